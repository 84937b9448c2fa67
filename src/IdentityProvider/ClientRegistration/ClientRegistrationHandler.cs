using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using McpSubAgent.Completions.Limits;
using McpSubAgent.IdentityProvider.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;

namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>
/// <c>POST /connect/register</c> (RFC 7591): validates the client metadata and creates an OpenIddict application, public
/// for <c>token_endpoint_auth_method: none</c>, confidential with a generated secret otherwise.
/// </summary>
internal sealed partial class ClientRegistrationHandler(
    IOpenIddictApplicationManager applications,
    ClientMetadataValidator validator,
    PublicOrigin publicOrigin,
    IOptionsSnapshot<ClientRegistrationOptions> options,
    TimeProvider timeProvider,
    ILogger<ClientRegistrationHandler> logger)
{
    // How OpenIddict's EF Core store serializes the origin property; used to count dynamically registered clients in SQL.
    private const string DynamicOriginJson = "\"" + ClientOrigin.PropertyName + "\":\"" + ClientOrigin.Dynamic + "\"";

    public async Task<Results<JsonHttpResult<ClientRegistrationResponse>, JsonHttpResult<ClientRegistrationError>, NotFound>> HandleAsync(
        HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return TypedResults.NotFound();
        }

        var cancellationToken = context.RequestAborted;
        context.Response.Headers.CacheControl = "no-store";
        var body = await BoundedBody.ReadAsync(context.Request.Body, settings.MaxBodyBytes, context.Request.ContentLength, cancellationToken);
        if (body is null)
        {
            return Error(StatusCodes.Status413PayloadTooLarge, ClientRegistrationError.InvalidClientMetadata,
                $"The registration request is larger than {settings.MaxBodyBytes} bytes.");
        }

        ClientMetadata? metadata;
        try
        {
            metadata = JsonSerializer.Deserialize(body, RegistrationJsonContext.Default.ClientMetadata);
        }
        catch (JsonException e)
        {
            return Error(StatusCodes.Status400BadRequest, ClientRegistrationError.InvalidClientMetadata,
                // The serializer's message names our types; where it stopped is what the client needs.
                $"The body is not a JSON object of client metadata (at {e.Path ?? "$"}, byte {e.BytePositionInLine}).");
        }

        if (metadata is null)
        {
            return Error(StatusCodes.Status400BadRequest, ClientRegistrationError.InvalidClientMetadata, "The body is not a JSON object of client metadata.");
        }

        if (!validator.TryValidate(metadata, isMetadataDocument: false, out var client, out var error))
        {
            LogRefused(logger, error.Error, error.ErrorDescription);
            return TypedResults.Json(error, RegistrationJsonContext.Default.ClientRegistrationError, statusCode: StatusCodes.Status400BadRequest);
        }

        var registered = await applications.CountAsync(
            query => query.OfType<OpenIddictEntityFrameworkCoreApplication>()
                .Where(application => application.Properties != null && application.Properties.Contains(DynamicOriginJson)),
            cancellationToken);
        if (registered >= settings.MaxRegisteredClients)
        {
            LogCapReached(logger, settings.MaxRegisteredClients);
            return Error(StatusCodes.Status503ServiceUnavailable, ClientRegistrationError.TemporarilyUnavailable,
                $"This server has reached its limit of {settings.MaxRegisteredClients} registered clients; ask its operator to raise it or remove unused clients.");
        }

        var clientId = RandomNumberGenerator.GetHexString(32, lowercase: true);
        var clientSecret = client.IsConfidential ? Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)) : null;
        var descriptor = client.ToDescriptor(clientId, clientSecret, publicOrigin.McpResource(context.Request), ClientOrigin.Dynamic);
        try
        {
            await applications.CreateAsync(descriptor, cancellationToken);
        }
        catch (OpenIddictExceptions.ValidationException e)
        {
            // The validator should have caught these; OpenIddict's own checks are the last word.
            var description = string.Join(" ", e.Results.Select(result => result.ErrorMessage));
            LogRefused(logger, ClientRegistrationError.InvalidClientMetadata, description);
            return Error(StatusCodes.Status400BadRequest, ClientRegistrationError.InvalidClientMetadata, description);
        }

        var redirectUris = string.Join(" ", client.RedirectUris);
        LogRegistered(logger, clientId, client.ClientName, client.TokenEndpointAuthMethod, redirectUris);
        var response = new ClientRegistrationResponse
        {
            ClientId = clientId,
            ClientIdIssuedAt = timeProvider.GetUtcNow().ToUnixTimeSeconds(),
            ClientSecret = clientSecret,
            ClientSecretExpiresAt = clientSecret is null ? null : 0L,
            RedirectUris = client.RedirectUris,
            GrantTypes = client.GrantTypes,
            ResponseTypes = client.ResponseTypes,
            TokenEndpointAuthMethod = client.TokenEndpointAuthMethod,
            ClientName = client.ClientName,
            ClientUri = client.ClientUri,
            LogoUri = client.LogoUri,
            Scope = string.Join(' ', client.Scopes),
            SoftwareId = client.SoftwareId,
            SoftwareVersion = client.SoftwareVersion,
        };
        return TypedResults.Json(response, RegistrationJsonContext.Default.ClientRegistrationResponse, statusCode: StatusCodes.Status201Created);
    }

    private static JsonHttpResult<ClientRegistrationError> Error(int statusCode, string error, string description) =>
        TypedResults.Json(new ClientRegistrationError(error, description), RegistrationJsonContext.Default.ClientRegistrationError, statusCode: statusCode);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Registered client {ClientId} ({ClientName}, {AuthMethod}) with redirect URIs {RedirectUris}")]
    private static partial void LogRegistered(ILogger logger, string clientId, string clientName, string authMethod, string redirectUris);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Refused a client registration: {Error}: {Description}")]
    private static partial void LogRefused(ILogger logger, string error, string description);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Refused a client registration: the limit of {MaxRegisteredClients} dynamically registered clients is reached")]
    private static partial void LogCapReached(ILogger logger, int maxRegisteredClients);
}
