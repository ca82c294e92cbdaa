// The phone number checked as the API checks it (src/core/phone.ts): a *possible* number, read as a US number
// when it has no country code, with the API's own sentence when it is not one (a browser test holds the two equal).

const DEFAULT_COUNTRY = 'US';

/** The number in E.164, or the sentence the API would answer with. */
export function checkPhone(input) {
  const parsed = globalThis.libphonenumber.parsePhoneNumberFromString(input.trim(), DEFAULT_COUNTRY);
  if (!parsed || !parsed.isPossible()) {
    return { problem: `"${input}" is not a phone number. Use E.164, for example +15551234567 (US numbers may omit +1).` };
  }
  return { e164: parsed.number };
}
