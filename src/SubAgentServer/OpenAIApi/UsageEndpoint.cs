using System.Globalization;
using System.Text.Json.Nodes;
using McpSubAgent.Completions;
using McpSubAgent.SubAgentServer.Data;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace McpSubAgent.SubAgentServer.OpenAIApi;

/// <summary>
/// <c>GET /v1/usage</c>: the caller's own token usage per model and day (UTC), oldest first. A person sees their own;
/// an app sees its own and its end users' (each row names the <c>user</c>), or one end user's with <c>?user=</c>.
/// </summary>
internal static class UsageEndpoint
{
    public const int DefaultDays = 30;
    public const int MaxDays = 366;

    public static async Task<IResult> GetAsync(
        HttpContext http,
        AppDbContext db,
        TimeProvider timeProvider,
        [FromQuery(Name = "start_date")] string? startDate,
        [FromQuery(Name = "end_date")] string? endDate,
        [FromQuery] string? user,
        CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(timeProvider.GetUtcNow().UtcDateTime);
        if (!TryReadDate(endDate, today, out var end))
        {
            return OpenAIErrorResult.BadRequest("'end_date' must be a date as YYYY-MM-DD.", "end_date");
        }

        if (!TryReadDate(startDate, end.AddDays(1 - DefaultDays), out var start))
        {
            return OpenAIErrorResult.BadRequest("'start_date' must be a date as YYYY-MM-DD.", "start_date");
        }

        if (start > end || end.DayNumber - start.DayNumber >= MaxDays)
        {
            return OpenAIErrorResult.BadRequest($"'start_date' must be on or before 'end_date', at most {MaxDays} days before it.", "start_date");
        }

        var caller = OpenAICaller.From(http.User);
        var rows = db.UsageRecords.AsNoTracking().Where(r => r.Day >= start && r.Day <= end);
        if (caller.AppClientId is { } app)
        {
            var prefix = app + ":";
            rows = user is null
                ? rows.Where(r => r.UserKey == app || r.UserKey.StartsWith(prefix))
                : rows.Where(r => r.UserKey == caller.UserKey(user));
        }
        else
        {
            rows = rows.Where(r => r.UserKey == caller.Subject);
        }

        var found = await rows.OrderBy(r => r.Day).ThenBy(r => r.Model).ThenBy(r => r.UserKey).ToListAsync(cancellationToken);
        var data = new JsonArray();
        foreach (var row in found)
        {
            var entry = new JsonObject
            {
                ["date"] = row.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["model"] = row.Model,
                ["requests"] = row.Requests,
                ["prompt_tokens"] = row.PromptTokens,
                ["completion_tokens"] = row.CompletionTokens,
                ["total_tokens"] = row.TotalTokens,
            };
            if (caller.AppClientId is { } client)
            {
                entry["user"] = row.UserKey.Length > client.Length ? row.UserKey[(client.Length + 1)..] : null;
            }

            data.Add(entry);
        }

        var result = new JsonObject
        {
            ["object"] = "list",
            ["start_date"] = start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["end_date"] = end.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["data"] = data,
            ["total_tokens"] = found.Sum(r => r.TotalTokens),
        };
        return TypedResults.Text(result.ToJsonString(ReadableJson.Compact), "application/json");
    }

    private static bool TryReadDate(string? text, DateOnly fallback, out DateOnly date)
    {
        if (text is null)
        {
            date = fallback;
            return true;
        }

        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }
}
