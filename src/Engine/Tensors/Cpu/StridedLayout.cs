namespace HdrOfx.Engine.Tensors.Cpu;

/// <summary>
/// Up to three operands walked together over one shape, with their dims coalesced where all operands
/// are mutually contiguous. Work is split into rows along the last (coalesced) dim.
/// </summary>
internal sealed class StridedLayout
{
    public readonly int[] Shape;
    public readonly int[][] Strides;
    public readonly int[] Offsets;
    public readonly int Inner;
    public readonly int Rows;

    public StridedLayout(int[] shape, params (int[] strides, int offset)[] ops)
    {
        int k = ops.Length;
        var dims = new List<int>();
        var strides = new List<int>[k];
        for (int j = 0; j < k; j++) strides[j] = new List<int>();
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1) continue; // size-1 dims do not affect addressing
            dims.Add(shape[i]);
            for (int j = 0; j < k; j++) strides[j].Add(ops[j].strides[i]);
        }
        if (dims.Count == 0) { dims.Add(1); for (int j = 0; j < k; j++) strides[j].Add(1); }
        // merge dim i into i+1 when every operand has stride[i] == stride[i+1] * shape[i+1]
        for (int i = dims.Count - 2; i >= 0; i--)
        {
            bool ok = true;
            for (int j = 0; j < k && ok; j++) ok = strides[j][i] == strides[j][i + 1] * dims[i + 1];
            if (!ok) continue;
            dims[i + 1] *= dims[i];
            dims.RemoveAt(i);
            for (int j = 0; j < k; j++) strides[j].RemoveAt(i);
        }
        Shape = dims.ToArray();
        Strides = new int[k][];
        Offsets = new int[k];
        for (int j = 0; j < k; j++) { Strides[j] = strides[j].ToArray(); Offsets[j] = ops[j].offset; }
        Inner = Shape[^1];
        long rows = 1;
        for (int i = 0; i < Shape.Length - 1; i++) rows *= Shape[i];
        Rows = (int)rows;
        foreach (int d in shape) if (d == 0) { Rows = 0; break; }
    }

    public int InnerStride(int op) => Strides[op][^1];

    /// <summary>Element offset of operand <paramref name="op"/> at the start of row <paramref name="row"/>.</summary>
    public int RowOffset(int op, int row)
    {
        int off = Offsets[op];
        var st = Strides[op];
        for (int i = Shape.Length - 2; i >= 0 && row > 0; i--)
        {
            int d = Shape[i];
            int ix = row % d; row /= d;
            off += ix * st[i];
        }
        return off;
    }
}
