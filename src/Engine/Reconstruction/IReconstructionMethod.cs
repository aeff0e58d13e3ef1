namespace HdrOfx.Engine.Reconstruction;

/// <summary>
/// A reconstruction method. Ownership: the input frames belong to the caller, who may keep them for the next
/// frame's window; a method reads them and never writes, disposes or keeps them. The result belongs to the caller
/// too and holds only images the method made for it (rented with <see cref="Imaging.ImageF.Rent"/> or allocated),
/// never an input frame or its buffer: <see cref="Reconstructor.Reconstruct"/> rejects a result that does. The caller
/// disposes the result once it has used it.
/// </summary>
public interface IReconstructionMethod
{
    string Name { get; }

    /// <summary>
    /// Rebuilds frames[refIndex] as HDR. Entries other than the reference may be null (missing frames).
    /// All non-null frames have the same size and 3 or more channels (only RGB is used).
    /// </summary>
    ReconstructResult Reconstruct(IReadOnlyList<FrameInput?> frames, int refIndex, ReconstructOptions options, CancellationToken cancel);
}
