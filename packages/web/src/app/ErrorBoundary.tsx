/** A page that throws while rendering (or whose code fails to load) shows an error, not a blank app. */
import { Component, type ReactNode } from 'react';
import { ErrorMessage } from '../design/index.ts';

export class ErrorBoundary extends Component<{ children: ReactNode }, { error: unknown }> {
  state: { error: unknown } = { error: undefined };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  render() {
    if (this.state.error !== undefined) {
      return <ErrorMessage error={this.state.error} retry={() => window.location.reload()} />;
    }
    return this.props.children;
  }
}
