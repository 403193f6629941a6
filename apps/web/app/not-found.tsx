import { NotFoundContent } from '../src/components/NotFoundContent';

export default function NotFound() {
  return <NotFoundContent />;
}
