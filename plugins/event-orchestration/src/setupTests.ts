import '@testing-library/jest-dom';

// A page test renders the whole page and waits for several answers; on a
// loaded 2-core CI machine, next to the backend suites, that can pass 5 s.
jest.setTimeout(20_000);
