using Resorcerer.Profiler.Recommendation.Histograms;

namespace Resorcerer.Profiler.Recommendation.Strategies;

/// <summary>
/// Several candidate CPU models (a decaying histogram's half-life x a percentile), each scored on the usage
/// that followed its own past proposals: idle reservation plus <c>ShortfallCost</c> x starved usage, decayed
/// over time. The cheapest model so far makes the recommendation. This is the per-workload model choice of
/// Google's Autopilot, applied to CPU.
/// </summary>
public sealed class CostEnsemble
{
    private readonly ResorcererSettings _settings;
    private readonly DecayingHistogram[] _histograms;
    private readonly double[] _proposals;
    private readonly double[] _costs;
    private long _lastRecommendation = long.MinValue;
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

    public void Add(long timestamp, double cores)
    {
        if (_lastRecommendation != long.MinValue)
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

    /// <summary>Re-proposes every model, then returns the proposal of the cheapest (ties keep the current one).</summary>
    public double Recommend(long now)
    {
        if (_lastRecommendation != long.MinValue && now > _lastRecommendation)
        {
            var decay = Math.Pow(2, -(now - _lastRecommendation) / _settings.CostHalfLife.TotalSeconds);
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

        if (_lastRecommendation != long.MinValue)
        {
            for (var m = 0; m < _costs.Length; m++)
            {
                if (_costs[m] < _costs[_choice])
                {
                    _choice = m;
                }
            }
        }

        _lastRecommendation = now;
        return _proposals[_choice];
    }

    /// <summary>A percentile of the histogram with the given half-life index.</summary>
    public double Percentile(int halfLife, double p) => _histograms[halfLife].Percentile(p);

    public void Write(BinaryWriter writer)
    {
        foreach (var histogram in _histograms)
        {
            histogram.Write(writer);
        }

        writer.Write((byte)_proposals.Length);
        for (var m = 0; m < _proposals.Length; m++)
        {
            writer.Write((float)_proposals[m]);
            writer.Write((float)_costs[m]);
        }

        writer.Write(_lastRecommendation);
        writer.Write(_samples);
        writer.Write((byte)_choice);
    }

    public void Read(BinaryReader reader)
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
            _proposals[m] = reader.ReadSingle();
            _costs[m] = reader.ReadSingle();
        }

        _lastRecommendation = reader.ReadInt64();
        _samples = reader.ReadInt64();
        _choice = reader.ReadByte() is var choice && choice < _proposals.Length
            ? choice
            : throw new InvalidDataException($"resorcerer CPU state chooses model {choice} of {_proposals.Length}");
    }
}
