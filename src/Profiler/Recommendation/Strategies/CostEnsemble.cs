using Resorcerer.Profiler.Recommendation.Histograms;

namespace Resorcerer.Profiler.Recommendation.Strategies;

/// <summary>
/// Several candidate CPU models (a decaying histogram's half-life x a percentile), each scored on the usage
/// that followed its own past proposals: idle reservation plus <c>ShortfallCost</c> x starved usage, decayed
/// over time. At every hourly tick the cheapest model so far is chosen, and its proposal stands until the next.
/// This is the per-workload model choice of Google's Autopilot, applied to CPU.
/// </summary>
public sealed class CostEnsemble
{
    private readonly ResorcererSettings _settings;
    private readonly DecayingHistogram[] _histograms;
    private readonly double[] _proposals;
    private readonly double[] _costs;
    private long _lastTick = long.MinValue;
    private long _samples;
    private int _choice;

    public CostEnsemble(ResorcererSettings settings)
    {
        _settings = settings;
        _histograms = settings.CpuHalfLives.Select(h => new DecayingHistogram(ExponentialBuckets.Cpu, h)).ToArray();
        _proposals = new double[_histograms.Length * settings.CpuPercentiles.Length];
        _costs = new double[_proposals.Length];
        _choice = settings.InitialModel;
    }

    public int ModelCount => _proposals.Length;

    /// <summary>The model in use: (half-life index, percentile index).</summary>
    public (int HalfLife, int Percentile) Choice => (_choice / _settings.CpuPercentiles.Length, _choice % _settings.CpuPercentiles.Length);

    public bool IsEmpty => _samples == 0;

    /// <summary>Whether a tick has chosen a model yet.</summary>
    public bool HasTicked => _lastTick != long.MinValue;

    /// <summary>The chosen model's proposal at the last tick.</summary>
    public double Proposal => _proposals[_choice];

    public void Add(long timestamp, double cores)
    {
        if (HasTicked)
        {
            for (var m = 0; m < _proposals.Length; m++)
            {
                var proposal = _proposals[m];
                _costs[m] += cores > proposal ? _settings.ShortfallCost * (cores - proposal) : proposal - cores;
            }
        }

        foreach (var histogram in _histograms)
        {
            histogram.Add(cores, 1, timestamp);
        }

        _samples++;
    }

    /// <summary>The hourly step: decays the costs, re-proposes every model, and chooses the cheapest (ties keep the current one).</summary>
    public void Tick(long hour)
    {
        if (HasTicked && hour > _lastTick)
        {
            var decay = Math.Pow(2, -(hour - _lastTick) / _settings.CostHalfLife.TotalSeconds);
            for (var m = 0; m < _costs.Length; m++)
            {
                _costs[m] *= decay;
            }
        }

        var index = 0;
        foreach (var histogram in _histograms)
        {
            foreach (var percentile in _settings.CpuPercentiles)
            {
                _proposals[index++] = histogram.Percentile(percentile);
            }
        }

        if (HasTicked)
        {
            for (var m = 0; m < _costs.Length; m++)
            {
                if (_costs[m] < _costs[_choice])
                {
                    _choice = m;
                }
            }
        }

        _lastTick = hour;
    }

    /// <summary>A percentile of the histogram with the given half-life index.</summary>
    public double Percentile(int halfLife, double p) => _histograms[halfLife].Percentile(p);

    /// <summary>What the initial model proposes now, for recommendations asked for before the first tick.</summary>
    public double InitialProposal =>
        Percentile(_settings.InitialModel / _settings.CpuPercentiles.Length, _settings.CpuPercentiles[_settings.InitialModel % _settings.CpuPercentiles.Length]);

    public void Write(BinaryWriter writer)
    {
        foreach (var histogram in _histograms)
        {
            histogram.Write(writer);
        }

        writer.Write((byte)_proposals.Length);
        for (var m = 0; m < _proposals.Length; m++)
        {
            writer.Write(_proposals[m]);
            writer.Write(_costs[m]);
        }

        writer.Write(_lastTick);
        writer.Write(_samples);
        writer.Write((byte)_choice);
    }

    public void Read(StateReader reader)
    {
        foreach (var histogram in _histograms)
        {
            histogram.Read(reader);
        }

        if (reader.ReadByte() != _proposals.Length)
        {
            throw new InvalidDataException("resorcerer CPU state was written with another set of models");
        }

        for (var m = 0; m < _proposals.Length; m++)
        {
            // Version 1 kept proposals and costs as floats.
            _proposals[m] = reader.Version == 1 ? reader.ReadSingle() : reader.ReadDouble();
            _costs[m] = reader.Version == 1 ? reader.ReadSingle() : reader.ReadDouble();
        }

        _lastTick = reader.ReadInt64();
        _samples = reader.ReadInt64();
        _choice = reader.ReadByte() is var choice && choice < _proposals.Length
            ? choice
            : throw new InvalidDataException($"resorcerer CPU state chooses model {choice} of {_proposals.Length}");
    }
}
