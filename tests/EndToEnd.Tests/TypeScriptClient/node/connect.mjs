// The official TypeScript MCP SDK client logs in to our /mcp endpoint: discovery, dynamic client registration,
// our login and consent pages (driven over HTTP like a browser would), PKCE, the code exchange, an authenticated
// initialize, then a refresh_token grant through the SDK's auth() and a connection with the refreshed token. On that
// connection it lists the agent tools, calls run_agent against the downstream MCP server with a progress token, and
// starts an agent task, polls it to the end and reads its public result page.
//
// Usage: node connect.mjs <mcpUrl> <email> <password> <downstreamMcpUrl>
// Prints one JSON line on success and exits 0; prints the error and exits 1 otherwise.
import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError, auth } from '@modelcontextprotocol/sdk/client/auth.js';

const REDIRECT_URL = 'http://127.0.0.1:49153/callback';
const CLIENT_NAME = 'TypeScript SDK test client';

// The scripted LLM on the C# side answers by these prompts.
const RUN_PROMPT = 'Echo hello from the TypeScript SDK';
const TASK_PROMPT = 'Answer as a task from the TypeScript SDK';
const AGENT_TOOLS = ['run_agent', 'start_agent_task', 'get_agent_task', 'cancel_agent_task', 'list_agent_tasks'];
const TASK_TIMEOUT_MS = 30_000;

const [mcpArg, email, password, downstreamArg] = process.argv.slice(2);
if (!mcpArg || !email || !password || !downstreamArg) {
    console.error('Usage: node connect.mjs <mcpUrl> <email> <password> <downstreamMcpUrl>');
    process.exit(2);
}
const mcpUrl = new URL(mcpArg);
const downstreamUrl = new URL(downstreamArg).href;

/** A tiny cookie jar for one origin: name -> value, honouring deletions. */
class CookieJar {
    #cookies = new Map();

    store(response) {
        for (const header of response.headers.getSetCookie()) {
            const [pair, ...attributes] = header.split(';');
            const eq = pair.indexOf('=');
            if (eq <= 0) continue;
            const name = pair.slice(0, eq).trim();
            const value = pair.slice(eq + 1).trim();
            const expired = attributes.some(a => {
                const [key, val = ''] = a.split('=');
                const k = key.trim().toLowerCase();
                return (k === 'max-age' && Number(val.trim()) <= 0) || (k === 'expires' && Date.parse(val.trim()) < Date.now());
            });
            if (expired) this.#cookies.delete(name);
            else this.#cookies.set(name, value);
        }
    }

    header() {
        return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
}

function decodeHtml(value) {
    return value
        .replace(/&#x([0-9a-f]+);/gi, (_, hex) => String.fromCodePoint(parseInt(hex, 16)))
        .replace(/&#(\d+);/g, (_, dec) => String.fromCodePoint(Number(dec)))
        .replace(/&quot;/g, '"').replace(/&#39;|&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&');
}

/** The hidden inputs of a page (the antiforgery token, the OAuth request's parameters). */
function hiddenFields(html) {
    const fields = {};
    for (const [input] of html.matchAll(/<input[^>]*>/gi)) {
        const attributes = {};
        for (const [, name, value] of input.matchAll(/([a-zA-Z_:-]+)="([^"]*)"/g)) {
            attributes[name.toLowerCase()] = decodeHtml(value);
        }
        if (attributes.type === 'hidden' && attributes.name !== undefined) {
            fields[attributes.name] = attributes.value ?? '';
        }
    }
    return fields;
}

/**
 * What a person's browser does: follows the server's redirects, signs in on our login page, allows on the consent
 * page, and stops at the redirect that leaves the server (to the client's redirect URI). Returns that URL.
 */
async function browse(authorizationUrl) {
    const jar = new CookieJar();
    const origin = authorizationUrl.origin;
    const request = async (url, form) => {
        const response = await fetch(url, {
            method: form ? 'POST' : 'GET',
            redirect: 'manual',
            headers: {
                ...(jar.header() ? { cookie: jar.header() } : {}),
                ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
            },
            body: form ? new URLSearchParams(form).toString() : undefined,
        });
        jar.store(response);
        return response;
    };

    let current = new URL(authorizationUrl);
    let response = await request(current);
    let loginPages = 0;
    let consentPages = 0;
    for (let step = 0; step < 20; step++) {
        if (response.status >= 300 && response.status < 400) {
            const location = new URL(response.headers.get('location'), current);
            await response.body?.cancel();
            if (location.origin !== origin) {
                return { location, loginPages, consentPages };
            }
            current = location;
            response = await request(current);
            continue;
        }

        const html = await response.text();
        if (response.status !== 200) {
            throw new Error(`The server answered ${response.status} at ${current}: ${html}`);
        }

        const fields = hiddenFields(html);
        if (html.includes('name="Password"')) {
            if (++loginPages > 3) throw new Error(`Signing in did not work: ${html}`);
            fields.Email = email;
            fields.Password = password;
        } else if (html.includes('name="decision"')) {
            consentPages++;
            if (!html.includes(CLIENT_NAME)) throw new Error(`The consent page does not name the client: ${html}`);
            fields.decision = 'allow';
        } else {
            throw new Error(`An unexpected page at ${current}: ${html}`);
        }
        response = await request(current, fields);
    }
    throw new Error('Too many steps.');
}

/** OAuthClientProvider kept in memory; redirectToAuthorization drives our pages and keeps the code. */
class InMemoryOAuthProvider {
    #clientInformation;
    #tokens;
    #codeVerifier;
    #state;
    redirects = 0;
    authorizationCode;
    loginPages = 0;
    consentPages = 0;

    get redirectUrl() {
        return REDIRECT_URL;
    }

    get clientMetadata() {
        return {
            client_name: CLIENT_NAME,
            redirect_uris: [REDIRECT_URL],
            grant_types: ['authorization_code', 'refresh_token'],
            response_types: ['code'],
            token_endpoint_auth_method: 'none',
        };
    }

    state() {
        this.#state = randomBytes(16).toString('base64url');
        return this.#state;
    }

    clientInformation() {
        return this.#clientInformation;
    }

    saveClientInformation(clientInformation) {
        this.#clientInformation = clientInformation;
    }

    tokens() {
        return this.#tokens;
    }

    saveTokens(tokens) {
        this.#tokens = tokens;
    }

    saveCodeVerifier(codeVerifier) {
        this.#codeVerifier = codeVerifier;
    }

    codeVerifier() {
        if (!this.#codeVerifier) throw new Error('No code verifier saved.');
        return this.#codeVerifier;
    }

    async redirectToAuthorization(authorizationUrl) {
        this.redirects++;
        if (authorizationUrl.searchParams.get('code_challenge_method') !== 'S256') {
            throw new Error(`The SDK did not ask for PKCE S256: ${authorizationUrl}`);
        }
        const { location, loginPages, consentPages } = await browse(authorizationUrl);
        this.loginPages += loginPages;
        this.consentPages += consentPages;
        if (!location.href.startsWith(REDIRECT_URL)) {
            throw new Error(`The server sent the browser elsewhere: ${location}`);
        }
        const error = location.searchParams.get('error');
        if (error) {
            throw new Error(`The authorization failed: ${error} ${location.searchParams.get('error_description') ?? ''}`);
        }
        if (location.searchParams.get('state') !== this.#state) {
            throw new Error(`The state came back changed: ${location}`);
        }
        this.authorizationCode = location.searchParams.get('code');
        if (!this.authorizationCode) throw new Error(`No code in ${location}`);
    }
}

async function connect(provider) {
    const client = new Client({ name: 'mcpsubagent-typescript-e2e', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
    await client.connect(transport);
    return { client, transport };
}

const text = result => (result.content ?? []).filter(c => c.type === 'text').map(c => c.text).join('');

/** A tool call that must succeed; the SDK validates structuredContent against the tool's output schema. */
async function call(client, name, args, options) {
    const result = await client.callTool({ name, arguments: args }, undefined, options);
    if (result.isError) throw new Error(`${name} failed: ${text(result)}`);
    if (!result.structuredContent) throw new Error(`${name} returned no structuredContent: ${JSON.stringify(result)}`);
    return result;
}

/** tools/list, run_agent with progress, and an agent task polled to the end, all with the client's own token. */
async function useAgentTools(client) {
    const { tools } = await client.listTools();
    const agentTools = AGENT_TOOLS.filter(name => tools.some(t => t.name === name));
    const withSchemas = AGENT_TOOLS.filter(name => {
        const tool = tools.find(t => t.name === name);
        return tool?.inputSchema?.type === 'object' && typeof tool.inputSchema.properties === 'object' &&
            tool.outputSchema?.type === 'object' && typeof tool.outputSchema.properties === 'object';
    });

    const progress = [];
    const run = await call(
        client,
        'run_agent',
        { prompt: RUN_PROMPT, mcp_servers: [downstreamUrl] },
        { onprogress: p => progress.push(p.message ?? String(p.progress)) });

    const started = await call(client, 'start_agent_task', { prompt: TASK_PROMPT, mcp_servers: [downstreamUrl] });
    const taskId = started.structuredContent.task_id;
    const interval = Math.min(Math.max(Number(started.structuredContent.poll_interval_ms) || 200, 50), 500);
    const deadline = Date.now() + TASK_TIMEOUT_MS;
    let task;
    const polled = [];
    for (;;) {
        task = (await call(client, 'get_agent_task', { task_id: taskId })).structuredContent;
        if (polled.at(-1) !== task.status) polled.push(task.status);
        if (!['queued', 'working'].includes(task.status)) break;
        if (Date.now() > deadline) throw new Error(`Task ${taskId} is still ${task.status} after ${TASK_TIMEOUT_MS} ms.`);
        await new Promise(resolve => setTimeout(resolve, interval));
    }
    const listed = (await call(client, 'list_agent_tasks', {})).structuredContent.tasks ?? [];

    // The result page is public: a plain fetch, without the token.
    const page = await fetch(started.structuredContent.result_url);
    const resultMarkdown = await page.text();

    return {
        agentTools,
        agentToolsWithSchemas: withSchemas,
        runAgentStatus: run.structuredContent.status,
        runAgentText: text(run),
        runAgentToolCalls: (run.structuredContent.tool_calls ?? []).map(c => c.tool),
        progressCount: progress.length,
        progressMessages: progress,
        taskId,
        taskStartStatus: started.structuredContent.status,
        taskStatuses: polled,
        taskStatus: task.status,
        taskOutput: task.output ?? null,
        taskListed: listed.some(t => t.task_id === taskId),
        resultUrl: started.structuredContent.result_url,
        resultStatusCode: page.status,
        resultContentType: page.headers.get('content-type'),
        resultMarkdown,
    };
}

async function main() {
    const provider = new InMemoryOAuthProvider();

    // 1. Unauthenticated: the SDK discovers, registers, and sends the "browser" to our pages.
    let first;
    try {
        first = await connect(provider);
    } catch (error) {
        if (!(error instanceof UnauthorizedError)) throw error;
        first = error;
    }
    if (!(first instanceof UnauthorizedError)) {
        throw new Error('The first connection should have needed authorization.');
    }
    if (provider.redirects !== 1 || !provider.authorizationCode) {
        throw new Error(`Expected one authorization redirect with a code, saw ${provider.redirects}.`);
    }

    // 2. The code exchange (PKCE), then an authenticated initialize on a new transport.
    const pending = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
    await pending.finishAuth(provider.authorizationCode);
    const firstTokens = provider.tokens();
    const { client } = await connect(provider);
    const serverName = client.getServerVersion()?.name;
    const protocolVersion = client.transport?.protocolVersion ?? null;
    await client.close();

    // 3. A refresh through the SDK's auth(): with a refresh token stored and no code, it performs the
    //    refresh_token grant (and would only redirect again if that failed, which we count).
    const redirectsBefore = provider.redirects;
    const result = await auth(provider, { serverUrl: mcpUrl });
    const refreshedTokens = provider.tokens();
    const refreshed =
        result === 'AUTHORIZED' &&
        provider.redirects === redirectsBefore &&
        refreshedTokens?.access_token !== firstTokens?.access_token;
    if (!refreshed) {
        throw new Error(`The refresh did not happen: result ${result}, redirects ${provider.redirects}.`);
    }
    const again = await connect(provider);
    const serverNameAfterRefresh = again.client.getServerVersion()?.name;
    const agent = await useAgentTools(again.client);
    await again.client.close();

    console.log(JSON.stringify({
        connected: true,
        serverName,
        protocolVersion,
        registeredClientId: provider.clientInformation()?.client_id ?? null,
        tokenType: firstTokens?.token_type ?? null,
        hasRefreshToken: Boolean(firstTokens?.refresh_token),
        scope: firstTokens?.scope ?? null,
        loginPages: provider.loginPages,
        consentPages: provider.consentPages,
        refreshed,
        refreshedTokenType: refreshedTokens?.token_type ?? null,
        serverNameAfterRefresh,
        ...agent,
    }));
}

try {
    await main();
    process.exit(0);
} catch (error) {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
}
