namespace HdrOfx.Engine.Tensors;

/// <summary>Pixel losses, mean-reduced to a 0-D tensor.</summary>
public sealed partial class Tensor
{
    private static void CheckLossShapes(Tensor p, Tensor t, string name)
    {
        CheckSame(p, t, name);
        if (!p._shape.AsSpan().SequenceEqual(t._shape))
            throw new ArgumentException($"{name}: prediction {ShapeString(p._shape)} and target {ShapeString(t._shape)} differ");
    }

    /// <summary>mean(|p − t|).</summary>
    public static Tensor L1Loss(Tensor prediction, Tensor target)
    {
        CheckLossShapes(prediction, target, "L1Loss");
        var d = prediction - target;
        return d.Abs().Mean();
    }

    /// <summary>mean((p − t)²).</summary>
    public static Tensor MseLoss(Tensor prediction, Tensor target)
    {
        CheckLossShapes(prediction, target, "MseLoss");
        var d = prediction - target;
        return d.Square().Mean();
    }

    /// <summary>mean(√((p − t)² + ε²)), the Charbonnier penalty (a smooth L1), ε = 1e-3 by default.</summary>
    public static Tensor CharbonnierLoss(Tensor prediction, Tensor target, float eps = 1e-3f)
    {
        CheckLossShapes(prediction, target, "CharbonnierLoss");
        var d = prediction - target;
        return d.Unary(UnaryOp.Charbonnier, eps * eps, "Charbonnier").Mean();
    }
}
