using HdrOfx.Interop.Native;
using HdrOfx.Interop.Support;
using NUnit.Framework;

namespace HdrOfx.Interop.Tests;

/// <summary>Which handle an error message may name: hosts built on HostSupport cast it to an instance.</summary>
[TestFixture]
public class MessageHandleTests
{
    [TestCase(OfxActions.Load)]
    [TestCase(OfxActions.Describe)]
    [TestCase(OfxActions.DescribeInContext)]
    [TestCase(OfxActions.Unload)]
    public void Descriptor_actions_report_with_a_NULL_handle(string action) =>
        Assert.That(OfxPluginRegistry.MessageHandle(action, 0x1234), Is.EqualTo((nint)0));

    [TestCase(OfxActions.CreateInstance)]
    [TestCase(OfxActions.Render)]
    [TestCase(OfxActions.InstanceChanged)]
    [TestCase(OfxActions.GetClipPreferences)]
    public void Instance_actions_report_on_the_instance(string action) =>
        Assert.That(OfxPluginRegistry.MessageHandle(action, 0x1234), Is.EqualTo((nint)0x1234));
}
