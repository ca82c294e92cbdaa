import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { AppError } from './errors.js';

/** Numbers written without a country code are read as US numbers: the carriers this service targets. */
const DEFAULT_COUNTRY = 'US';

/**
 * The number in E.164 (+15551234567). A *possible* number is enough: the send endpoint's own examples use
 * fictional 555 numbers, which strict validation would refuse.
 */
export function toE164(input: string): string {
  const parsed = parsePhoneNumberFromString(input.trim(), DEFAULT_COUNTRY);
  if (!parsed || !parsed.isPossible()) {
    throw new AppError(
      400,
      'invalid_phone_number',
      `"${input}" is not a phone number. Use E.164, for example +15551234567 (US numbers may omit +1).`,
    );
  }
  return parsed.number;
}
