namespace Resorcerer.Profiler.Recommendation.Histograms;

/// <summary>
/// A histogram whose samples lose half their weight every <see cref="HalfLife"/>: a sample at time t weighs
/// w x 2^((t - reference) / halfLife), and the reference moves forward now and then so that weights stay finite.
/// With an infinite half-life it is a plain histogram. Percentiles answer the upper edge of their bucket.
/// </summary>
public sealed class DecayingHistogram
{
    // Past 2^64 the weights are renormalised to a later reference; far from double's limits.
    private const double MaxDecayExponent = 64;
    private const double Epsilon = 1e-12;

    // Only the buckets from _offset to _offset + _weights.Length - 1 are stored: a container's usage covers a few
    // dozen of the 176 buckets, so state stays small (see docs/benchmarks.md, resident state per container).
    private float[] _weights = [];
    private int _offset;
    private double _total;
    private long _reference;

    public DecayingHistogram(ExponentialBuckets buckets, TimeSpan halfLife)
    {
        Buckets = buckets;
        HalfLife = halfLife;
    }

    public ExponentialBuckets Buckets { get; }

    public TimeSpan HalfLife { get; }

    public bool IsEmpty => _total <= Epsilon;

    /// <summary>Sum of the (decayed, scaled) weights; only ratios between weights mean anything.</summary>
    public double TotalWeight => _total;

    public void Add(double value, double weight, long timestamp) => AddToBucket(Buckets.Find(value), weight, timestamp);

    /// <summary>Removes weight added earlier with the same value and timestamp (a peak that was superseded).</summary>
    public void Subtract(double value, double weight, long timestamp) => AddToBucket(Buckets.Find(value), -weight, timestamp);

    /// <summary>The value below which a fraction <paramref name="p"/> of the weight lies: the upper edge of that bucket. 0 when empty.</summary>
    public double Percentile(double p)
    {
        if (IsEmpty)
        {
            return 0;
        }

        var threshold = p * _total;
        double cumulative = 0;
        var last = 0;
        for (var i = 0; i < _weights.Length; i++)
        {
            if (_weights[i] <= 0)
            {
                continue;
            }

            last = i;
            cumulative += _weights[i];
            if (cumulative >= threshold - Epsilon * _total)
            {
                return Buckets.End(_offset + i);
            }
        }

        return Buckets.End(_offset + last);
    }

    /// <summary>
    /// Writes the state compactly: reference time, then (bucket, weight) for every non-empty bucket, then the total
    /// weight as kept (a sum recomputed from the buckets could differ in its last bits, and so could a percentile).
    /// </summary>
    public void Write(BinaryWriter writer)
    {
        writer.Write(_reference);
        var nonEmpty = 0;
        foreach (var weight in _weights)
        {
            nonEmpty += weight > 0 ? 1 : 0;
        }

        writer.Write((ushort)nonEmpty);
        for (var i = 0; i < _weights.Length; i++)
        {
            if (_weights[i] > 0)
            {
                writer.Write((ushort)(_offset + i));
                writer.Write(_weights[i]);
            }
        }

        writer.Write(_total);
    }

    public void Read(StateReader reader)
    {
        _weights = [];
        _offset = 0;
        _reference = reader.ReadInt64();
        _total = 0;
        int count = reader.ReadUInt16();
        for (var i = 0; i < count; i++)
        {
            int bucket = reader.ReadUInt16();
            var weight = reader.ReadSingle();
            if (bucket >= Buckets.Count || !(weight > 0) || !float.IsFinite(weight))
            {
                throw new InvalidDataException($"histogram state has bucket {bucket} of {Buckets.Count} with weight {weight}");
            }

            var slot = Slot(bucket); // may replace the array: index it afterwards
            _weights[slot] = weight;
            _total += weight;
        }

        if (reader.Version >= 2)
        {
            _total = reader.ReadDouble() is var total && double.IsFinite(total) && total >= 0
                ? total
                : throw new InvalidDataException($"histogram state has total weight {total}");
        }
    }

    /// <summary>Bytes held by the weights, for the resident-state benchmark.</summary>
    public int StoredBytes => _weights.Length * sizeof(float);

    /// <summary>The index of the bucket in <c>_weights</c>, widening the stored range to include it.</summary>
    private int Slot(int bucket)
    {
        if (_weights.Length == 0)
        {
            _weights = new float[1];
            _offset = bucket;
        }
        else if (bucket < _offset)
        {
            var grown = new float[_weights.Length + (_offset - bucket)];
            Array.Copy(_weights, 0, grown, _offset - bucket, _weights.Length);
            _weights = grown;
            _offset = bucket;
        }
        else if (bucket >= _offset + _weights.Length)
        {
            Array.Resize(ref _weights, bucket - _offset + 1);
        }

        return bucket - _offset;
    }

    private void AddToBucket(int bucket, double weight, long timestamp)
    {
        var scaled = weight * DecayFactor(timestamp);
        if (scaled < 0 && (bucket < _offset || bucket >= _offset + _weights.Length))
        {
            return; // nothing there to take back
        }

        var slot = Slot(bucket);
        var updated = _weights[slot] + scaled;
        // Taking back what was added leaves float rounding behind, not a phantom sample.
        if (scaled < 0 && updated < -scaled * 1e-5)
        {
            updated = 0;
        }

        _total = Math.Max(0, _total + (Math.Max(0, updated) - _weights[slot]));
        _weights[slot] = (float)Math.Max(0, updated);
        if (_total <= Epsilon)
        {
            _total = 0;
        }
    }

    private double DecayFactor(long timestamp)
    {
        if (HalfLife == Timeout.InfiniteTimeSpan)
        {
            return 1;
        }

        var exponent = (timestamp - _reference) / HalfLife.TotalSeconds;
        if (exponent > MaxDecayExponent || (IsEmpty && exponent != 0))
        {
            Shift(timestamp);
            exponent = 0;
        }

        return Math.Pow(2, exponent);
    }

    /// <summary>Moves the reference to <paramref name="timestamp"/>, scaling stored weights to match.</summary>
    private void Shift(long timestamp)
    {
        var factor = Math.Pow(2, (_reference - timestamp) / HalfLife.TotalSeconds);
        _total = 0;
        for (var i = 0; i < _weights.Length; i++)
        {
            _weights[i] = (float)(_weights[i] * factor);
            _total += _weights[i];
        }

        _reference = timestamp;
    }
}
