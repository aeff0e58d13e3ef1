namespace HdrOfx.Engine.Models.Ldm;

/// <summary>
/// The tonemapped domain HDR-LDM's autoencoder works in (hdr-v-diff §3.1, "tonemapping strategy"; DESIGN §3):
/// x = T(H·2^(EV − K)) with T the μ-law of <see cref="MuLawDomain"/> (μ = 5000). A frame's clip point (linear value
/// 1 at its own EV) lands at 2^−K, so K = <see cref="HeadroomStops"/> stops above the clip point still fit in
/// [0, 1]; brighter values give x &gt; 1 (not clamped). The LDR condition is its linearized frame v in the same
/// domain, T(v·2^−K), which makes it the clipped version of the HDR target.
/// </summary>
public static class LdmDomain
{
    public const int HeadroomStops = 4;
    /// <summary>
    /// The estimate's ceiling in stops above the frame's clip point (4096×): the decoder's residual is unbounded, and a
    /// 1-step sample can overshoot past the half-float range (65504), which the CLI refuses to write.
    /// </summary>
    public const int CeilingStops = 12;
    public static readonly float ClipScale = MathF.Pow(2f, -HeadroomStops);

    /// <summary>The scale s of <see cref="MuLawDomain"/> for radiance of a frame at <paramref name="ev"/>.</summary>
    public static float RadianceScale(double ev) => (float)Math.Pow(2.0, ev - HeadroomStops);

    /// <summary>The condition: linear frame values (1 = clip) into the domain.</summary>
    public static float Condition(float linear) => MuLawDomain.Forward(Math.Clamp(linear, 0f, 1f), ClipScale);
}
