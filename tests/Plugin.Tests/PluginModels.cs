using HdrOfx.Plugin.Tests.Host;
using NUnit.Framework;

namespace HdrOfx.Plugin.Tests;

/// <summary>
/// Points the loaded plug-in at a scratch models folder for the span of a test. The plug-in reads its weights from
/// Contents/Resources/models below the path it is described with (kOfxPluginPropFilePath, DESIGN §2.3), so the test
/// host describes it again with a scratch bundle path, whose models folder starts empty, and with its real bundle path
/// on <see cref="Dispose"/>. Only the folder is scratch: the binary is the loaded one. The plug-in drops a model it
/// loaded from another folder, so the shipped weights are read again afterwards.
/// </summary>
public sealed class PluginModels : IDisposable
{
    private readonly string _root;

    /// <summary>The models folder the plug-in now reads; put weights here before rendering.</summary>
    public string Folder { get; }

    public PluginModels()
    {
        _root = Directory.CreateTempSubdirectory("hdrofx-models-").FullName;
        string bundle = Path.Combine(_root, "HdrReconstruct.ofx.bundle");
        Folder = Path.Combine(bundle, "Contents", "Resources", "models");
        Directory.CreateDirectory(Folder);
        Assert.That(TestSupport.Hdr.Describe(bundle), Is.EqualTo(Ofx.OK), "describe with the scratch bundle path");
    }

    public void Dispose()
    {
        try { Assert.That(TestSupport.Hdr.Describe(TestSupport.Hdr.BundlePath), Is.EqualTo(Ofx.OK), "describe with the real bundle path again"); }
        finally { Directory.Delete(_root, true); }
    }
}
