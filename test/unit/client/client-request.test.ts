import { afterEach, describe, expect, it, vi } from 'vitest';
import { expandForClient, prepareClientRequest, type ClientRequestOptions, type CredentialPrompt } from '../../../src/client/client-request.js';
import { discoverVia } from '../../../src/via/discover-via.js';
import { UsageError } from '../../../src/util/errors.js';
import { useTempDir } from '../temp-dir.js';

vi.mock('../../../src/via/discover-via.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../src/via/discover-via.js')>()),
  discoverVia: vi.fn(),
}));
afterEach(() => vi.mocked(discoverVia).mockReset());

const { file } = useTempDir('provdisc-client-request-');
const BOTH = 'https://h.example/p?u=${username}&p=${password}&os=${osname}';

/** Runs it with the warnings and prompts collected. */
async function run(options: Partial<ClientRequestOptions> & Pick<ClientRequestOptions, 'template'>, expand = prepareClientRequest) {
  const warnings: string[] = [];
  const prompts: CredentialPrompt[] = [];
  const prepared = await expand({
    context: { uuidFile: file('uuid') },
    askCredentials: async (p) => {
      prompts.push(p);
      return { username: p.username ?? 'typed', password: 'typed-pw' };
    },
    ...options,
    onWarning: (w) => warnings.push(w),
  });
  return { prepared, warnings, prompts };
}

describe('prepareClientRequest: the template, expanded, with the credentials Jitsi would send', () => {
  it('expands a given template and builds the form; expansion warnings are reported', async () => {
    const { prepared, warnings } = await run({ template: 'https://h.example/p?os=${osname}&x=${mystery}' });
    expect(prepared.template).toBe('https://h.example/p?os=${osname}&x=${mystery}');
    expect(prepared.request.fields).toEqual([
      { name: 'os', value: 'Linux' },
      { name: 'x', value: '${mystery}' },
    ]);
    expect(prepared.credentials).toBeUndefined();
    expect(warnings).toEqual(['${mystery} is not a placeholder the Jitsi client knows: it sends it as typed']);
  });

  it('refuses a bad template before the password is read', async () => {
    const readPassword = vi.fn(async () => 'pw');
    await expect(run({ template: 'https://h.example:99999/p?u=${username}', readPassword })).rejects.toThrow(/invalid port "99999"/);
    expect(readPassword).not.toHaveBeenCalled();
  });

  it('uses the user name and password given when the template has both fields, asking nothing', async () => {
    const { prepared, prompts } = await run({ template: BOTH, username: 'alice', readPassword: async () => 's3cret' });
    expect(prepared.credentials).toEqual({ username: 'alice', password: 's3cret' });
    expect(prepared.request.fields.slice(0, 2).map((f) => f.value)).toEqual(['alice', 's3cret']);
    expect(prompts).toEqual([]);
  });

  it('asks for what is missing: the password for a given user name, else both; says when it would go in clear', async () => {
    expect((await run({ template: BOTH, username: 'alice' })).prompts).toEqual([{ host: 'h.example', username: 'alice', inClear: false }]);
    const asked = await run({ template: 'http://h.example:8080/p?u=${username}&p=${password}' });
    expect(asked.prompts).toEqual([{ host: 'h.example:8080', username: undefined, inClear: true }]);
    expect(asked.prepared.credentials).toEqual({ username: 'typed', password: 'typed-pw' });
  });

  it('without a way to ask, missing credentials are an error naming the settings', async () => {
    const error = await run({ template: BOTH, username: 'alice', askCredentials: undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe('credentials-missing');
    expect((error as UsageError).hint).toBe('give `username` and `readPassword`, or `askCredentials`');
  });

  it('Jitsi never asks for a lone ${username}: it sends the field empty, and credentials given are not used', async () => {
    const readPassword = vi.fn(async () => 'pw');
    const { prepared, warnings, prompts } = await run({ template: 'https://h.example/p?u=${username}', username: 'alice', readPassword });
    expect(prepared.credentials).toBeUndefined();
    expect(prepared.request.fields).toEqual([{ name: 'u', value: '', credential: 'username' }]);
    expect(readPassword).toHaveBeenCalledOnce();
    expect(prompts).toEqual([]);
    expect(warnings).toEqual([
      'the template has ${username} without ${password}: Jitsi never asks then, and sends it empty',
      '`username` / `readPassword` are not used: the template asks for no credentials',
    ]);
  });

  it('a field holding more than the placeholder takes the typed value whole, with a warning', async () => {
    const { prepared, warnings } = await run({
      template: 'https://h.example/p?u=${username}@example.org&p=${password}',
      username: 'alice',
      readPassword: async () => 'pw',
    });
    expect(prepared.request.fields[0]).toEqual({ name: 'u', value: 'alice', credential: 'username' });
    expect(warnings).toEqual(['the field "u" holds more than ${username}: the client replaces its whole value with the typed user name']);
  });

  it('takes a discovered template, says where from, and checks it as a given one', async () => {
    const service = { template: 'https://found.example/p?os=${osname}', complete: true, type: '_https._tcp', from: '192.0.2.7', interface: 'eth0' };
    vi.mocked(discoverVia).mockResolvedValue({ bonjour: [service as never] });
    const found: unknown[] = [];
    const { prepared } = await run({ template: { via: ['bonjour'] }, onFound: (f) => found.push(f) });
    expect(prepared.request.postUrl).toBe('https://found.example/p');
    expect(found).toEqual([{ method: 'bonjour', template: service.template, service }]);

    vi.mocked(discoverVia).mockResolvedValue({ bonjour: [{ ...service, template: 'https://found.example:0/p' } as never] });
    await expect(run({ template: { via: ['bonjour'] } })).rejects.toThrow(/invalid port "0"/);
  });
});

describe('expandForClient: what `provdisc expand` shows', () => {
  it('warns when the password field would go over http, and only then', async () => {
    const http = await run({ template: 'http://h.example/p?u=${username}&p=${password}', username: 'a', readPassword: async () => 'pw' }, expandForClient);
    expect(http.warnings).toContain('the template uses http: the password field would travel in clear text; use https');
    expect((await run({ template: 'http://h.example/p?os=${osname}' }, expandForClient)).warnings).toEqual([]);
    expect((await run({ template: BOTH, username: 'a', readPassword: async () => 'pw' }, expandForClient)).warnings).toEqual([]);
  });
});
