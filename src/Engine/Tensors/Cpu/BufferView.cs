using System.Runtime.CompilerServices;

namespace HdrOfx.Engine.Tensors.Cpu;

/// <summary>
/// A CPU tensor's storage as a kernel sees it: the array and the element offset where the tensor starts. Element e of
/// the view is Array[Offset + e]. An absent optional operand (no γ, no β) is the default view, <see cref="Has"/> false.
/// </summary>
internal readonly record struct BufferView(float[] Array, int Offset)
{
    public static BufferView Of(Tensor t) => new(t.CpuArray, t.Offset);

    public static BufferView OfOptional(Tensor? t) => t is null ? default : Of(t);

    public bool Has => Array is not null;

    public ref float this[int e]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref Array[Offset + e];
    }

    public Span<float> Span(int e, int length) => Array.AsSpan(Offset + e, length);
}
