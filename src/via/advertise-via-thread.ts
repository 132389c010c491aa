/** Worker thread entry of advertiseViaInWorker (worker-advertisement.ts): advertiseVia in this thread. */
import { advertiseVia } from './advertise-via.js';
import { runAdvertisementThread } from './advertisement-thread.js';

runAdvertisementThread((options, onEvent) => advertiseVia(options, onEvent));
