import { addMessages } from '../../i18n/setup.ts';
import '../../booking/i18n/index.ts'; // the booking refusals the agenda shows
import { ar } from './ar.ts';
import { en } from './en.ts';
import { fr } from './fr.ts';

export const NS = 'agenda';
addMessages(NS, { fr, ar, en });
