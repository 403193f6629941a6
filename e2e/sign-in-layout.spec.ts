import { expect, test } from '@playwright/test';

// Issue 17 #9: the sign-in form jumped down when the demo buttons arrived (they load after the page).
test('the sign-in form does not move when the demo-account buttons appear', async ({ page }) => {
  // Hold the demo list back, as a slow network would, so the form is measured before it arrives.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await page.route('**/api/auth/demo', async (route) => {
    await held;
    await route.continue();
  });
  await page.goto('/signin');
  const email = page.getByTestId('email');
  await expect(email).toBeVisible();
  await expect(page.getByTestId('demo-accounts')).toHaveCount(0);
  const before = await Promise.all([email.boundingBox(), page.getByTestId('submit').boundingBox()]);
  release();
  await expect(page.getByTestId('demo-accounts')).toBeVisible();
  const after = await Promise.all([email.boundingBox(), page.getByTestId('submit').boundingBox()]);
  expect(after[0]!.y).toBe(before[0]!.y);
  expect(after[1]!.y).toBe(before[1]!.y);
});
