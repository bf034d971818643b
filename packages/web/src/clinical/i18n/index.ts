import { addMessages } from '../../i18n/setup.ts';
import { ar } from './ar.ts';
import { en } from './en.ts';
import { fr } from './fr.ts';

export const NS = 'clinical';
addMessages(NS, { fr, ar, en });
