import { expect, test } from '@playwright/test';
import { ARTIFACTS_DIR, demoCookie, firstSession, signedInContext } from './helpers';

test('signed out: the session page sends you to sign in; one click as demo engineer opens it', async ({ browser, baseURL }) => {
  const session = await firstSession(baseURL!);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`/s/${session.id}`);
  await expect(page).toHaveURL(/\/signin\?next=/);
  await page.getByTestId('demo-demo-engineer').click();
  await expect(page).toHaveURL(new RegExp(`/s/${session.id}$`));
  await expect(page.getByTestId('session-title')).toHaveText(session.title);
  await expect(page.getByTestId('members-button')).toBeVisible();
  await context.close();
});

test('an invite link: a new person signs up, joins as viewer and gets a read-only mixer', async ({ browser, baseURL }) => {
  const session = await firstSession(baseURL!);
  const cookie = await demoCookie(baseURL!);
  const res = await fetch(`${baseURL}/api/sessions/${session.id}/invites`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'viewer', maxUses: 1, expiresInHours: 1 }),
  });
  expect(res.status).toBe(201);
  const { path } = (await res.json()) as { path: string };

  const context = await browser.newContext();
  await context.addInitScript(() => window.localStorage.setItem('mixroom.identity', JSON.stringify({ name: 'Vera', color: '#44aa88' })));
  const page = await context.newPage();
  await page.goto(path);
  await expect(page).toHaveURL(/\/signin\?next=/);
  await page.getByTestId('toggle-mode').click();
  await page.getByTestId('email').fill(`vera.${Date.now()}@example.test`);
  await page.getByTestId('name').fill('Vera');
  await page.getByTestId('password').fill('vera likes loud mixes');
  await page.getByTestId('submit').click();
  await expect(page.getByTestId('invite-role')).toHaveText('viewer');
  await page.getByTestId('accept-invite').click();
  await expect(page).toHaveURL(new RegExp(`/s/${session.id}$`));
  await expect(page.getByTestId('read-only-hint')).toContainText('you can listen');
  await expect(page.locator('section.console')).toHaveAttribute('data-read-only', 'true');
  await expect(page.getByTestId('members-button')).toHaveCount(0);
  await page.screenshot({ path: `${ARTIFACTS_DIR}/viewer-read-only.png` });

  // The link was for one use: a second person is told so.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await other.request.post('/api/auth/signup', { data: { email: `late.${Date.now()}@example.test`, name: 'Late', password: 'too late for this' } });
  await otherPage.goto(path);
  await expect(otherPage.getByTestId('invite-error')).toContainText('already been used');
  await other.close();
  await context.close();
});

test('the owner sees members and can create an invite link in the session view', async ({ browser, baseURL }) => {
  const session = await firstSession(baseURL!);
  const context = await signedInContext(browser);
  // A profile that already picked a name, so the "who's mixing?" dialog does not cover the header.
  await context.addInitScript(() => window.localStorage.setItem('mixroom.identity', JSON.stringify({ name: 'Owen', color: '#aa6644' })));
  const page = await context.newPage();
  await page.goto(`/s/${session.id}`);
  await page.getByTestId('members-button').click();
  await expect(page.getByTestId('member-engineer@mixroom.demo')).toBeVisible();
  await expect(page.getByTestId('member-artist@mixroom.demo')).toBeVisible();
  await page.getByTestId('invite-role-select').selectOption('artist');
  await page.getByTestId('create-invite').click();
  await expect(page.getByTestId('invite-link')).toHaveValue(/\/i\/[A-Za-z0-9_-]{43}$/);
  await page.screenshot({ path: `${ARTIFACTS_DIR}/members-panel.png` });
  await context.close();
});
