using System.Text.Json;
using k8s.Autorest;

namespace Resorcerer.Updating.Kubernetes;

/// <summary>What the API server said when it refused a request: the message of its <c>Status</c> answer.</summary>
public static class KubernetesStatus
{
    /// <summary>The Status's message, else the body (shortened), else the exception's own message.</summary>
    public static string Message(HttpOperationException e)
    {
        var content = e.Response?.Content ?? string.Empty;
        try
        {
            using var status = JsonDocument.Parse(content);
            if (status.RootElement.ValueKind == JsonValueKind.Object && status.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
            {
                return message.GetString()!;
            }
        }
        catch (JsonException)
        {
        }

        return content.Length == 0 ? e.Message : content.Length > 300 ? content[..300] : content;
    }
}
