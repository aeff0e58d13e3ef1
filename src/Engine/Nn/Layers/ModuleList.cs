namespace HdrOfx.Engine.Nn;

/// <summary>
/// An indexed list of children "0", "1", ... without a forward of its own (PyTorch's <c>nn.ModuleList</c>): for
/// U-Net levels and block stacks whose wiring the parent's forward decides.
/// </summary>
public sealed class ModuleList<T> : Module where T : Module
{
    private readonly List<T> _items = new();

    public ModuleList(IEnumerable<T>? items = null)
    {
        if (items != null) foreach (var m in items) Add(m);
    }

    public ModuleList<T> Add(T module)
    {
        _items.Add(RegisterModule(_items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module));
        return this;
    }

    public int Count => _items.Count;

    public T this[int i] => _items[i];

    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();

    public override string TypeName => $"ModuleList({_items.Count})";
}
