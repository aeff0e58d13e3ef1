namespace HdrOfx.Engine.Models;

/// <summary>
/// A weights file is missing, unreadable or does not fit its model; the message names the file. An IOException, so
/// the CLI reports it as one line with exit code 1 and the plug-in as a render error.
/// </summary>
public sealed class ModelWeightsException(string message, Exception? inner = null) : IOException(message, inner);
