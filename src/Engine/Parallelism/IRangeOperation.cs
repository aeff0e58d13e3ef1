namespace HdrOfx.Engine.Parallelism;

/// <summary>
/// Work over the items [start, end) of a range: rows of an image, channels, rows of a GEMM panel, independent jobs.
/// A struct, so <see cref="ParallelRange"/> specializes its loop for each operation and allocates nothing per item
/// (ImageSharp's IRowOperation). Fields are the operation's inputs; it must not write shared state outside its rows.
/// </summary>
public interface IRangeOperation
{
    void Invoke(int start, int end);
}
