namespace HdrOfx.Engine.Metrics;

/// <summary>The per-frame metrics of one result frame against its truth (peak-normalized, docs/metrics.md).</summary>
public readonly record struct FrameScores(double PsnrMu, double SsimMu, double PsnrLinear, double PsnrPu21);
