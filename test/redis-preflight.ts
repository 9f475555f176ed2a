/**
 * First step of `npm test`: without a Redis for the suite (see redis-global-setup.ts), fail at once with one line
 * saying how to install it, before the type check and lint spend minutes.
 */
import { INSTALL_HINT, redisAvailable } from './redis-global-setup.js';

if (!(await redisAvailable({ configuredUrl: process.env['CONFPUSH_TEST_REDIS_URL'] }))) {
  console.error(INSTALL_HINT);
  process.exit(1);
}
