namespace HdrOfx.Engine.Tensors.Autograd;

/// <summary>
/// Computes the gradients of an op's inputs from the gradient of its output. Returns one entry per input
/// (null where an input needs none). Called with grad mode off. The returned tensors belong to the engine.
/// </summary>
public delegate Tensor?[] BackwardFn(Tensor gradOutput);

/// <summary>One recorded op: its inputs and how to push a gradient back to them.</summary>
public sealed class GradNode
{
    public string Name { get; }
    public Tensor[] Inputs { get; }
    internal BackwardFn Backward { get; }

    /// <summary>Sequence number: later ops have larger numbers (the tape order).</summary>
    public long Sequence { get; }

    private static long _counter;

    internal GradNode(string name, Tensor[] inputs, BackwardFn backward)
    {
        Name = name;
        Inputs = inputs;
        Backward = backward;
        Sequence = Interlocked.Increment(ref _counter);
    }

    public override string ToString() => Name;
}
