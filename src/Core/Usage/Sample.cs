namespace Resorcerer.Usage;

/// <summary>A value at a time (Unix seconds): one point of a Prometheus series, one reading of a trace.</summary>
public readonly record struct Sample(long Timestamp, double Value);
