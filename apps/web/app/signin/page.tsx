import { SignInForm } from '../../src/components/SignInForm';

export default function SignIn() {
  return <SignInForm />;
}
