import { describe, expect, it } from 'vitest';
import { asksForCredentials, buildRequest, displayUrl, formBody } from '../../../src/client/post-form.js';

describe('the form (Jitsi splits after substituting)', () => {
  it('posts to the URL without its query, one field per & in template order; a bare name is an empty field', () => {
    const r = buildRequest('https://h:8443/p.php?b=2&a=1&flag&eq=x=y');
    expect(r.postUrl).toBe('https://h:8443/p.php');
    expect(r.fields).toEqual([
      { name: 'b', value: '2' },
      { name: 'a', value: '1' },
      { name: 'flag', value: '' },
      { name: 'eq', value: 'x=y' },
    ]);
    expect(buildRequest('https://h/p.php?').fields).toEqual([]);
    expect(buildRequest('https://h/p.php').postUrl).toBe('https://h/p.php');
  });

  it('a field holding ${username} or ${password} takes the credential as its whole value', () => {
    const url = 'https://h/p?u=${username}@example.org&p=${password}&os=Linux';
    const withCreds = buildRequest(url, { username: 'ann', password: 's3cret' });
    expect(withCreds.fields).toEqual([
      { name: 'u', value: 'ann', credential: 'username' },
      { name: 'p', value: 's3cret', credential: 'password' },
      { name: 'os', value: 'Linux' },
    ]);
    expect(
      buildRequest(url)
        .fields.slice(0, 2)
        .map((f) => f.value),
    ).toEqual(['@example.org', '']);
  });

  it('asks for credentials only when both fields are there, as Jitsi', () => {
    expect(asksForCredentials(buildRequest('https://h/?u=${username}&p=${password}'))).toBe(true);
    expect(asksForCredentials(buildRequest('https://h/?u=${username}'))).toBe(false);
    expect(asksForCredentials(buildRequest('https://h/?p=${password}'))).toBe(false);
  });

  it('encodes the body as HttpClient does: UTF-8, space as +, *-._ kept, the rest %XX', () => {
    const r = buildRequest('https://h/?os=Windows 11&n=café&s=a*b-c.d_e~f&amp=x%41', undefined);
    expect(formBody(r)).toBe('os=Windows+11&n=caf%C3%A9&s=a*b-c.d_e%7Ef&amp=x%2541');
  });

  it('shows the password masked, never in clear', () => {
    const r = buildRequest('https://h/p?u=${username}&p=${password}', { username: 'ann', password: 's3cret' });
    expect(displayUrl(r)).toBe('https://h/p?u=ann&p=********');
  });
});
