import { expect } from 'vitest';
import { FLOOR_QUALITY, START_QUALITY } from '../../src/core/fit-bytes.js';

/**
 * The quality step of a JPEG fit, in `transformations`: any quality of the search's range, since where in it the
 * search lands depends on the encoder's bytes (and changes with a libvips release).
 */
export const QUALITY = expect.stringMatching(new RegExp(`^quality:(${Array.from({ length: START_QUALITY - FLOOR_QUALITY + 1 }, (_, i) => FLOOR_QUALITY + i).join('|')})$`));
