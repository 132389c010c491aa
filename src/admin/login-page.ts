/** The login form auth-plugin.ts shows, again with the error and the name typed when a login fails. */
import { asTyped, html, type Html } from './html.js';
import { layout } from './layout.js';

export function loginPage(error: string | undefined, user = ''): Html {
  return layout({
    title: 'Log in',
    here: '',
    user: undefined,
    body: html`<form class="login" method="post" action="/admin/login">
      <h1>provdisc status</h1>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      <label>Admin name <input name="username" autocomplete="username" required value="${asTyped(user)}" /></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
      <button type="submit">Log in</button>
    </form>`,
  });
}
