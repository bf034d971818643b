/** The services of the platform, in the order they are registered (see kernel/module.ts). */
import type { SahtiModule } from '../kernel/module.ts';

export const MODULES: SahtiModule[] = [];
