/** One consultation's state, refreshed by writes and live events on its Appointment and Encounter. */
import { useDataQuery } from '../data/index.ts';
import { consultation } from './api.ts';

export function useConsultation(appointment: string) {
  return useDataQuery({
    types: ['Appointment', 'Encounter', 'QuestionnaireResponse'],
    key: ['teleconsult', appointment],
    load: (signal) => consultation(appointment, signal),
  });
}
