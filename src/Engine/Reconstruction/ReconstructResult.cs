using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Reconstruction;

/// <summary>
/// Scene-linear HDR (3 channels) in the units of EV 0, plus optional diagnostics:
/// <see cref="SaturationMask"/> (1 channel, 1 = reference clipped or too dark to trust) and
/// <see cref="Confidence"/> (1 channel, 0..1, how much the merge trusted the aligned neighbours).
/// </summary>
public sealed record ReconstructResult(ImageF Hdr, ImageF? SaturationMask = null, ImageF? Confidence = null);
