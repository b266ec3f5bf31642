// Owns the /dashboard page: the four widgets on one live token, or a form asking for one.
const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const style = `
  body { font-family: system-ui, sans-serif; margin: 0; background: #f4f6fa; color: #1d2433; }
  header { padding: 16px 24px; background: #1d2433; color: #fff; }
  h1 { margin: 0; font-size: 1.2rem; }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; padding: 24px; }
  form { display: grid; gap: 12px; max-width: 420px; padding: 24px; }
  label { display: grid; gap: 4px; font-size: 0.9rem; }
  input { padding: 8px; font: inherit; }
  button { padding: 8px 16px; font: inherit; }
`;

export function dashboardPage(query: { token: string; member: string; campaign: string }): string {
  const { token, member, campaign } = query;
  const body = token
    ? `<main>
        <tessera-live-feed token="${escapeHtml(token)}" limit="25"></tessera-live-feed>
        ${member ? `<tessera-balance token="${escapeHtml(token)}" member-ref="${escapeHtml(member)}"></tessera-balance>` : ''}
        ${campaign ? `<tessera-campaign-progress token="${escapeHtml(token)}" campaign-id="${escapeHtml(campaign)}"></tessera-campaign-progress>` : ''}
        <tessera-redemption-chart token="${escapeHtml(token)}"></tessera-redemption-chart>
      </main>`
    : `<form method="get" action="/dashboard">
        <p>Create a live token with <code>POST /v1/live/tokens</code> and paste it here.</p>
        <label>Live token <input name="token" required autocomplete="off"></label>
        <label>Member reference (optional) <input name="member"></label>
        <label>Campaign id (optional) <input name="campaign"></label>
        <button type="submit">Open the dashboard</button>
      </form>`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Tessera live dashboard</title>
  <style>${style}</style>
  <script type="module" src="/widgets/tessera-widgets.js"></script>
</head>
<body>
  <header><h1>Tessera live dashboard</h1></header>
  ${body}
</body>
</html>`;
}
