namespace HdrOfx.Engine.Tensors.Cuda;

public sealed unsafe partial class CudaBackend
{
    /// <summary>
    /// Row-major GEMM on column-major cuBLAS: C = op(A)·op(B) (M×N, ld ldC) is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ, i.e. the
    /// operands swap places and keep their modes, since a row-major matrix is its transpose in column-major order.
    /// </summary>
    internal void GemmRowMajor(GemmOp opA, GemmOp opB, int M, int N, int K, nint a, int ldA, long strideA, nint b, int ldB, long strideB,
        float beta, nint c, int ldC, long strideC, int batch) =>
        Api.Gemm(opB, opA, N, M, K, 1f, b, ldB, strideB, a, ldA, strideA, beta, c, ldC, strideC, batch, MatMulPrecision, Stream);

    /// <summary>How a rows×cols matrix with element strides (rs, cs) reads as a row-major operand, or false if it needs a copy.</summary>
    private static bool AsOperand(int rs, int cs, int rows, int cols, out GemmOp op, out int ld)
    {
        if (rows == 1) rs = Math.Max(cols, 1); // a single row: its row stride is never used
        if (cols == 1) cs = 1;                 // a single column: likewise
        if (cs == 1 && rs >= Math.Max(cols, 1)) { op = GemmOp.N; ld = rs; return true; }
        if (rs == 1 && cs >= Math.Max(rows, 1)) { op = GemmOp.T; ld = cs; return true; }
        op = GemmOp.N; ld = 0;
        return false;
    }

    public void MatMul(Tensor a, Tensor b, Tensor c, bool accumulate)
    {
        RequireContiguous(c, "MatMul");
        int r = c.Rank;
        int M = c.Shape[r - 2], N = c.Shape[r - 1], K = a.Shape[r - 1];
        int batch = M * N == 0 ? 0 : c.Numel / (M * N);
        if (batch == 0) return;
        Tensor? ac = null, bc = null;
        try
        {
            if (!AsOperand(a.Strides[r - 2], a.Strides[r - 1], M, K, out var opA, out int ldA))
            {
                ac = a.Contiguous();
                AsOperand(ac.Strides[r - 2], ac.Strides[r - 1], M, K, out opA, out ldA);
            }
            if (!AsOperand(b.Strides[r - 2], b.Strides[r - 1], K, N, out var opB, out int ldB))
            {
                bc = b.Contiguous();
                AsOperand(bc.Strides[r - 2], bc.Strides[r - 1], K, N, out opB, out ldB);
            }
            var A = ac ?? a;
            var B = bc ?? b;
            // Per-batch element offsets; one strided-batched call when both progress evenly, else one call per matrix.
            var offA = new long[batch];
            var offB = new long[batch];
            for (int bi = 0; bi < batch; bi++)
            {
                long oa = A.Offset, ob = B.Offset;
                int rem = bi;
                for (int d = r - 3; d >= 0; d--)
                {
                    int sz = c.Shape[d];
                    int ix = rem % sz; rem /= sz;
                    oa += (long)ix * A.Strides[d]; ob += (long)ix * B.Strides[d];
                }
                offA[bi] = oa; offB[bi] = ob;
            }
            float beta = accumulate ? 1f : 0f;
            nint pa = Ptr(A), pb = Ptr(B), pc = At(c);
            long sA = batch > 1 ? offA[1] - offA[0] : 0, sB = batch > 1 ? offB[1] - offB[0] : 0;
            bool even = true;
            for (int bi = 1; bi < batch && even; bi++) even = offA[bi] - offA[0] == bi * sA && offB[bi] - offB[0] == bi * sB;
            if (even)
            {
                GemmRowMajor(opA, opB, M, N, K, pa + (nint)(offA[0] * 4), ldA, sA, pb + (nint)(offB[0] * 4), ldB, sB, beta, pc, N, (long)M * N, batch);
                return;
            }
            for (int bi = 0; bi < batch; bi++)
                GemmRowMajor(opA, opB, M, N, K, pa + (nint)(offA[bi] * 4), ldA, 0, pb + (nint)(offB[bi] * 4), ldB, 0, beta,
                    pc + (nint)((long)bi * M * N * 4), N, 0, 1);
        }
        finally
        {
            ac?.Dispose();
            bc?.Dispose();
        }
    }
}
