import { SessionPage } from '../../src/components/SessionView';

// One static file serves every /s/<id>: the server maps those URLs here and the client reads the id.
export default function Session() {
  return <SessionPage />;
}
