namespace HdrOfx.Engine.Tensors.Autograd;

/// <summary>
/// Reverse-mode sweep. The graph is the tape written as ops ran: every non-leaf points at its
/// <see cref="GradNode"/>, whose sequence number orders the tape. Walking nodes by descending sequence
/// visits every op after all its consumers, so each gradient is complete when it is used.
/// </summary>
internal static class AutogradEngine
{
    public static void Run(Tensor root, Tensor? seed)
    {
        // 1. collect reachable op outputs
        var nodes = new List<Tensor>();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Tensor>();
        stack.Push(root);
        seen.Add(root);
        while (stack.Count > 0)
        {
            var t = stack.Pop();
            if (t.GradFn == null) continue;
            nodes.Add(t);
            foreach (var inp in t.GradFn.Inputs)
                if (inp.RequiresGrad && seen.Add(inp)) stack.Push(inp);
        }
        nodes.Sort((a, b) => b.GradFn!.Sequence.CompareTo(a.GradFn!.Sequence));

        var grads = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        grads[root] = seed != null ? seed.MakeView(seed.Shape, seed.Strides, seed.Offset) : Tensor.Full(root.Shape, 1f, root.Device);
        try
        {
            if (root.GradFn == null) { AccumulateLeaf(root, grads[root]); return; }
            foreach (var t in nodes)
            {
                if (!grads.Remove(t, out var g)) continue; // no gradient flowed here
                var node = t.GradFn!;
                Tensor?[] gin;
                try { gin = node.Backward(g); }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    g.Dispose();
                    throw new InvalidOperationException($"backward of {node.Name} failed: {e.Message}", e);
                }
                if (gin.Length != node.Inputs.Length)
                    throw new InvalidOperationException($"backward of {node.Name} returned {gin.Length} gradients for {node.Inputs.Length} inputs");
                for (int i = 0; i < gin.Length; i++)
                {
                    var gi = gin[i];
                    var inp = node.Inputs[i];
                    if (gi == null) continue;
                    if (!inp.RequiresGrad)
                    {
                        // unused gradient: free it unless something else holds the same object
                        bool shared = ReferenceEquals(gi, g);
                        for (int j = 0; j < gin.Length && !shared; j++) shared = j != i && ReferenceEquals(gin[j], gi);
                        if (!shared) gi.Dispose();
                        continue;
                    }
                    if (!gi.Shape.AsSpan().SequenceEqual(inp.Shape))
                        throw new InvalidOperationException($"backward of {node.Name}: gradient {i} has shape {Tensor.ShapeString(gi.Shape)}, input has {Tensor.ShapeString(inp.Shape)}");
                    // the same object may come back twice (or be g itself): give each holder its own reference
                    bool alias = ReferenceEquals(gi, g);
                    for (int j = 0; j < i && !alias; j++) alias = ReferenceEquals(gin[j], gi);
                    if (alias) gi = gi.MakeView(gi.Shape, gi.Strides, gi.Offset);
                    if (inp.GradFn == null) { AccumulateLeaf(inp, gi); continue; }
                    if (grads.TryGetValue(inp, out var prev))
                    {
                        grads[inp] = Tensor.Add(prev, gi);
                        prev.Dispose();
                        gi.Dispose();
                    }
                    else grads[inp] = gi;
                }
                // g may have been handed on (as a view) to an input; views hold their own storage reference
                g.Dispose();
            }
        }
        finally
        {
            foreach (var g in grads.Values) g.Dispose();
        }
    }

    private static void AccumulateLeaf(Tensor leaf, Tensor g)
    {
        using (TensorScope.Suspend())
        {
            // leaf gradients are updated in place later, so they must own their storage: take g over when
            // nothing else references its storage (the common case), else copy
            if (leaf.Grad == null)
                leaf.Grad = g.IsContiguous && g.Offset == 0 && g.Storage.RefCount == 1 && g.Storage.Length == g.Numel
                    ? g.MakeView(g.Shape, g.Strides, 0)
                    : g.Clone();
            else
            {
                leaf.Grad.AddInPlace(g);
            }
        }
        g.Dispose();
    }
}
