/**
 * The frame every status page shares (head, nav, logout) and the page that is only the frame and a
 * sentence. Every value that came from a client (or from another host on the LAN) goes through
 * `html`, which escapes it; links carry client values only URI-encoded. No inline script or style:
 * the CSP forbids both, so the frame links the one script and style sheet.
 */
import type { FastifyReply } from 'fastify';
import { html, type Html, type HtmlValue } from './html.js';

const NAV = [
  ['/admin/', 'Overview'],
  ['/admin/devices', 'Devices'],
] as const;

export function layout(options: { title: string; here: string; user: string | undefined; live?: boolean; body: HtmlValue; before?: HtmlValue }): Html {
  const { title, here, user, live = false, body, before } = options;
  const nav = user
    ? html`<nav>${NAV.map(([href, label]) => html`<a href="${href}" ${here === href ? html` class="here"` : ''}>${label}</a>`)}</nav>
        <form method="post" action="/admin/logout"><span class="muted">${user}</span> <button type="submit">Log out</button></form>`
    : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · provdisc</title>
        <link rel="stylesheet" href="/admin/static/admin.css" />
        <script src="/admin/static/admin.js" defer></script>
      </head>
      <body data-live="${live ? 'on' : 'off'}">
        <header><span class="brand">provdisc</span>${nav}</header>
        ${before ?? ''}
        <main>${body}</main>
      </body>
    </html> `;
}

export function messagePage(user: string | undefined, title: string, message: string): Html {
  return layout({
    title,
    here: '',
    user,
    body: html`<h1>${title}</h1>
      <p>${message}</p>`,
  });
}

/** A page as the answer, with `status`. */
export function sendPage(reply: FastifyReply, page: Html, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(page.text);
}
