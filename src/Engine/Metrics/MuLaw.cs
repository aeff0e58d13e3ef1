namespace HdrOfx.Engine.Metrics;

/// <summary>μ-law tonemapping T(H) = log(1 + μH) / log(1 + μ), μ = 5000, on H normalized to [0,1] (DESIGN §3).</summary>
public static class MuLaw
{
    public const float Mu = 5000f;
    private static readonly float InvLog1PMu = 1f / MathF.Log(1f + Mu);

    /// <summary>Tonemaps h (already divided by the clip peak); the input is clamped to [0,1] first.</summary>
    public static float Apply(float h) => MathF.Log(1f + Mu * Math.Clamp(h, 0f, 1f)) * InvLog1PMu;

    public static void Apply(ReadOnlySpan<float> h, float peak, Span<float> dst)
    {
        float inv = 1f / peak;
        for (int i = 0; i < h.Length; i++) dst[i] = Apply(h[i] * inv);
    }
}
