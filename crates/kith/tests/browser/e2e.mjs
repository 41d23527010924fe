// End to end in headless Chromium: the issuer console creates an offer, the wallet
// accepts it, the verifier console asks "over 18?", the wallet shows the consent
// screen and shares, and the verifier console shows the verified result; then the
// same question answered with a zero-knowledge proof over an identity credential.
//
// Environment: KITH_URL (the running `kith serve --wallet-dir ...`), KITH_ADMIN_KEY,
// KITH_SCREENSHOTS (where a failure's screenshots go), CHROMIUM (default
// /usr/bin/chromium). Exit 0 on success; on failure, prints the step and saves
// screenshots of every open page.
import { chromium } from 'playwright-core';

const base = process.env.KITH_URL;
const adminKey = process.env.KITH_ADMIN_KEY;
const shots = process.env.KITH_SCREENSHOTS || '.';
if (!base || !adminKey) {
  console.error('KITH_URL and KITH_ADMIN_KEY are required');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
const context = await browser.newContext();
const consolePage = await context.newPage();
const walletPage = await context.newPage();
let step = 'start';

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

try {
  step = 'sign in to the consoles with the API key';
  await consolePage.goto(`${base}/console`);
  await consolePage.getByLabel('API key').fill(adminKey);
  await consolePage.getByRole('button', { name: 'Sign in' }).click();
  await consolePage.waitForURL(`${base}/console`);

  step = 'issuer console: create a PID offer with a transaction code';
  await consolePage.goto(`${base}/console/issuer?template=pid`);
  const claims = JSON.parse(await consolePage.getByLabel('Claims (JSON)').inputValue());
  expect(claims.age_over_18 === true, 'the PID template has age_over_18');
  await consolePage.getByLabel(/Require a transaction code/).check();
  await consolePage.getByRole('button', { name: 'Create offer' }).click();
  await consolePage.getByRole('status').filter({ hasText: 'Offer created' }).waitFor();
  expect(await consolePage.locator('.qr svg').count() === 1, 'the offer has a QR code');
  const offerLink = await consolePage.getByLabel('Offer link').inputValue();
  expect(offerLink.startsWith('openid-credential-offer://'), `offer link: ${offerLink}`);
  const txCode = (await consolePage.locator('#tx-code').textContent()).trim();
  expect(/^[0-9]{6}$/.test(txCode), `transaction code: ${txCode}`);

  step = 'wallet: create it';
  await walletPage.goto(`${base}/wallet`);
  await walletPage.getByLabel('Passphrase (at least 8 characters)').fill('a long wallet passphrase');
  await walletPage.getByLabel('Passphrase again').fill('a long wallet passphrase');
  await walletPage.getByRole('button', { name: 'Create wallet' }).click();
  await walletPage.getByRole('heading', { name: 'Your wallet' }).waitFor();

  step = 'wallet: a wrong transaction code is refused';
  await walletPage.getByLabel(/Offer link/).fill(offerLink);
  await walletPage.getByLabel(/Transaction code/).fill(txCode === '000000' ? '111111' : '000000');
  await walletPage.getByRole('button', { name: 'Accept offer' }).click();
  await walletPage.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();

  step = 'wallet: accept the offer';
  await walletPage.getByLabel(/Offer link/).fill(offerLink);
  await walletPage.getByLabel(/Transaction code/).fill(txCode);
  await walletPage.getByRole('button', { name: 'Accept offer' }).click();
  await walletPage.getByRole('status').filter({ hasText: 'Added to your wallet' }).waitFor();
  const card = walletPage.locator('article.card');
  expect(await card.count() === 1, 'one credential card');
  const cardText = await card.textContent();
  for (const text of ['Alice', 'Example', '1990-04-12', 'over 18']) {
    expect(cardText.includes(text), `the card shows ${text}`);
  }

  step = 'verifier console: ask "over 18?"';
  await consolePage.goto(`${base}/console/verifier`);
  await consolePage.getByLabel('Age over 18 (only that)').check();
  await consolePage.getByRole('button', { name: 'Create request' }).click();
  const requestLink = await consolePage.getByLabel('Request link').inputValue();
  expect(requestLink.startsWith('openid4vp://'), `request link: ${requestLink}`);
  await consolePage.getByText('Waiting for the wallet').waitFor();

  step = 'wallet: review the request';
  await walletPage.getByLabel(/Request link/).fill(requestLink);
  await walletPage.getByRole('button', { name: 'Review request' }).click();
  await walletPage.getByRole('heading', { name: 'Share with this verifier?' }).waitFor();
  const shared = await walletPage.locator('[data-shared]').evaluateAll(
    (cells) => cells.map((c) => c.dataset.shared),
  );
  expect(JSON.stringify(shared) === JSON.stringify(['/age_over_18']), `consent lists exactly /age_over_18, got ${shared}`);
  const consentText = await walletPage.locator('main').textContent();
  for (const hidden of ['Alice', '1990-04-12']) {
    expect(!consentText.includes(hidden), `the consent screen does not share ${hidden}`);
  }

  step = 'wallet: share (keyboard)';
  await walletPage.getByRole('button', { name: 'Share', exact: true }).focus();
  await walletPage.keyboard.press('Enter');
  await walletPage.getByRole('status').filter({ hasText: 'Shared with' }).waitFor();

  step = 'verifier console: the live result';
  const outcome = consolePage.locator('[data-outcome]');
  await outcome.waitFor({ timeout: 15000 });
  expect(await outcome.getAttribute('data-outcome') === 'verified', `outcome: ${await outcome.textContent()}`);
  const value = await consolePage.locator('td[data-claim="/age_over_18"]').textContent();
  expect(value.trim() === 'true', `age_over_18 = ${value}`);
  const resultText = await consolePage.locator('#result').textContent();
  for (const hidden of ['Alice', 'Example', '1990-04-12', 'NL']) {
    expect(!resultText.includes(hidden), `the verifier did not learn ${hidden}`);
  }

  step = 'wallet: history';
  await walletPage.goto(`${base}/wallet/history`);
  const history = await walletPage.locator('tbody').textContent();
  expect(history.includes('/age_over_18'), 'history records the shared claim');

  step = 'issuer console: an identity credential for zero-knowledge proofs';
  await consolePage.goto(`${base}/console/issuer?template=identity_zkp`);
  const identity = JSON.parse(await consolePage.getByLabel('Claims (JSON)').inputValue());
  expect(identity.birthDate === '1990-04-12', 'the identity template has a birth date');
  await consolePage.getByRole('button', { name: 'Create offer' }).click();
  await consolePage.getByRole('status').filter({ hasText: 'Offer created' }).waitFor();
  const identityOffer = await consolePage.getByLabel('Offer link').inputValue();

  step = 'wallet: accept the identity credential';
  await walletPage.goto(`${base}/wallet`);
  await walletPage.getByLabel(/Offer link/).fill(identityOffer);
  await walletPage.getByRole('button', { name: 'Accept offer' }).click();
  await walletPage.getByRole('status').filter({ hasText: 'Added to your wallet' }).waitFor();
  expect(await walletPage.locator('article.card').count() === 2, 'two credential cards');

  step = 'verifier console: ask "over 18?" as a zero-knowledge proof';
  await consolePage.goto(`${base}/console/verifier`);
  await consolePage.getByLabel('Age over 18 (zero-knowledge: no birth date)').check();
  await consolePage.getByRole('button', { name: 'Create request' }).click();
  const zkpRequest = await consolePage.getByLabel('Request link').inputValue();
  await consolePage.getByText('Waiting for the wallet').waitFor();

  step = 'wallet: the consent screen lists a proof, not the birth date';
  await walletPage.getByLabel(/Request link/).fill(zkpRequest);
  await walletPage.getByRole('button', { name: 'Review request' }).click();
  await walletPage.getByRole('heading', { name: 'Share with this verifier?' }).waitFor();
  const proven = await walletPage.locator('[data-proven]').evaluateAll(
    (items) => items.map((i) => i.dataset.proven),
  );
  expect(proven.length === 1 && proven[0].startsWith('/credentialSubject/birthDate <= '), `proven: ${proven}`);
  const zkpShared = await walletPage.locator('[data-shared]').evaluateAll(
    (cells) => cells.map((c) => c.dataset.shared),
  );
  expect(zkpShared.length === 0, `no claim is shared, got ${zkpShared}`);
  expect(!(await walletPage.locator('main').textContent()).includes('1990-04-12'), 'the consent screen does not share the birth date');

  step = 'wallet: share the proof';
  await walletPage.getByRole('button', { name: 'Share', exact: true }).click();
  await walletPage.getByRole('status').filter({ hasText: 'Shared with' }).waitFor();

  step = 'verifier console: verified, with the predicate and no claim';
  const zkpOutcome = consolePage.locator('[data-outcome]');
  await zkpOutcome.waitFor({ timeout: 15000 });
  expect(await zkpOutcome.getAttribute('data-outcome') === 'verified', `outcome: ${await zkpOutcome.textContent()}`);
  expect(await consolePage.locator('[data-proven]').count() === 1, 'the result lists the proven predicate');
  const zkpResult = await consolePage.locator('#result').textContent();
  for (const hidden of ['Alice', 'Example', '1990', 'NL']) {
    expect(!zkpResult.includes(hidden), `the verifier did not learn ${hidden}`);
  }

  step = 'wallet: delete the credentials';
  for (const left of [1, 0]) {
    await walletPage.goto(`${base}/wallet`);
    await walletPage.getByRole('button', { name: /^Delete/ }).first().click();
    await walletPage.getByRole('status').filter({ hasText: 'deleted' }).waitFor();
    expect(await walletPage.locator('article.card').count() === left, `${left} cards after deletion`);
  }

  console.log('browser e2e: ok');
  await browser.close();
} catch (error) {
  console.error(`browser e2e failed at step "${step}": ${error.message}`);
  await consolePage.screenshot({ path: `${shots}/console.png`, fullPage: true }).catch(() => {});
  await walletPage.screenshot({ path: `${shots}/wallet.png`, fullPage: true }).catch(() => {});
  console.error(`screenshots: ${shots}/console.png, ${shots}/wallet.png`);
  await browser.close();
  process.exit(1);
}
