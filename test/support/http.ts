// Tests read JSON bodies loosely typed: assertions, not types, check their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function readJson(response: Response): Promise<any> {
  return response.json();
}
