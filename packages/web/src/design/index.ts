/** Sahti's design system: NHS.UK / GOV.UK patterns, mirrored for Arabic, phone first. */
import './fonts.css';
import './tokens.css';
import './base.css';
import './layout.css';
import './components.css';
import './data.css';

export { Button, ButtonLink, LinkButton } from './Button.tsx';
export { Card } from './Card.tsx';
export { type Column, DataTable } from './DataTable.tsx';
export { ErrorSummary, errorFor, type FieldError } from './ErrorSummary.tsx';
export { Choices, QuantityField, SelectField, TextArea, TextField } from './fields.tsx';
export { ChevronIcon } from './icons.tsx';
export { Layout, type NavItem } from './Layout.tsx';
export { type ChartSeries, LineChart } from './LineChart.tsx';
export { Page } from './Page.tsx';
export { SummaryList } from './SummaryList.tsx';
export { Empty, ErrorMessage, Loading, Notice, Tag } from './states.tsx';
