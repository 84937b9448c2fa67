using System.Text.Json;
using OpenIddict.Abstractions;

namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>
/// How a client came to exist, kept in the application's <c>registration</c> property: <see cref="Dynamic"/> (RFC 7591
/// registration) or <see cref="MetadataDocument"/> (a client ID metadata document). Clients the operator configured
/// have none. The consent page marks the first two as unverified: anyone can create them with any name.
/// </summary>
public static class ClientOrigin
{
    /// <summary>The name of the application property holding the origin.</summary>
    public const string PropertyName = "registration";

    /// <summary>Registered through <c>POST /connect/register</c>.</summary>
    public const string Dynamic = "dynamic";

    /// <summary>Created from the client ID metadata document at its https <c>client_id</c>.</summary>
    public const string MetadataDocument = "metadata_document";

    /// <summary>The origin recorded on <paramref name="descriptor"/>, or null for a client the operator configured.</summary>
    public static string? Get(OpenIddictApplicationDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return descriptor.Properties.TryGetValue(PropertyName, out var value) ? AsString(value) : null;
    }

    /// <summary>The origin recorded on a stored <paramref name="application"/>, or null for a client the operator configured.</summary>
    public static async ValueTask<string?> GetAsync(
        IOpenIddictApplicationManager manager, object application, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(application);
        var properties = await manager.GetPropertiesAsync(application, cancellationToken);
        return properties.TryGetValue(PropertyName, out var value) ? AsString(value) : null;
    }

    /// <summary>Whether a client of this origin registered itself, so that its name and logo prove nothing.</summary>
    public static bool IsUnverified(string? origin) => origin is Dynamic or MetadataDocument;

    /// <summary>Records <paramref name="origin"/> on <paramref name="descriptor"/>.</summary>
    public static void Set(OpenIddictApplicationDescriptor descriptor, string origin)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        descriptor.Properties[PropertyName] = JsonSerializer.SerializeToElement(origin, RegistrationJsonContext.Default.String);
    }

    private static string? AsString(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
