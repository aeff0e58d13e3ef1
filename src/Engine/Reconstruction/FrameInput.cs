using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Reconstruction;

/// <summary>
/// One input frame for reconstruction: <see cref="Linear"/> is f⁻¹(L), the linearized LDR frame in [0,1]
/// (1 = sensor clip), NOT yet divided by the exposure; <see cref="Ev"/> is its exposure in stops,
/// so its radiance estimate is Linear / 2^Ev (DESIGN §3, Eq. 14 of vitm-tc).
/// </summary>
public sealed record FrameInput(ImageF Linear, double Ev)
{
    public double Exposure => Math.Pow(2.0, Ev);
}
