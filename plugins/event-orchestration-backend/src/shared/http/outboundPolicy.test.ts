import { OutboundPolicy } from './outboundPolicy';

const refusal = (reason: string) => ({ allowed: false, reason });
const allowed = { allowed: true };

describe('OutboundPolicy', () => {
  it('allows public addresses and names by default and refuses every special range', () => {
    const policy = new OutboundPolicy();
    expect(policy.checkUrl('https://hooks.slack.com/services/x')).toEqual(
      allowed,
    );
    expect(policy.checkUrl('http://93.184.215.14/')).toEqual(allowed);
    expect(policy.checkUrl('http://[2606:4700::1111]/')).toEqual(allowed);
    for (const [url, label] of [
      ['http://0.0.0.0/', '0.0.0.0 (unspecified address)'],
      ['http://255.255.255.255/', '255.255.255.255 (broadcast address)'],
      ['http://224.0.0.1/', '224.0.0.1 (multicast address)'],
      ['http://169.254.1.1/', '169.254.1.1 (link-local address)'],
      ['http://172.16.0.1/', '172.16.0.1 (private address)'],
      ['http://192.168.1.1/', '192.168.1.1 (private address)'],
      [
        'http://100.100.100.200/',
        '100.100.100.200 (carrier-grade NAT address)',
      ],
      ['http://240.0.0.1/', '240.0.0.1 (reserved address)'],
      ['http://[::]/', ':: (unspecified address)'],
      ['http://[::1]/', '::1 (loopback address)'],
      ['http://[fe80::1]/', 'fe80::1 (link-local address)'],
      ['http://[fc00::1]/', 'fc00::1 (private address)'],
      ['http://[ff02::1]/', 'ff02::1 (multicast address)'],
    ]) {
      expect(policy.checkUrl(url)).toEqual(
        refusal(
          `http:request refused ${label}; allow it with eventOrchestration.actions.http.allowedCidrs`,
        ),
      );
    }
  });

  it('allows what allowedCidrs covers, but cloud metadata only when named exactly', () => {
    const broad = new OutboundPolicy({
      allowedCidrs: ['0.0.0.0/0', '::/0', '169.254.0.0/16'],
    });
    expect(broad.checkUrl('http://10.1.2.3/')).toEqual(allowed);
    expect(broad.checkUrl('http://[::1]/')).toEqual(allowed);
    expect(broad.checkUrl('http://169.254.169.254/')).toEqual(
      refusal(
        'http:request refused 169.254.169.254 (cloud metadata address); allow it by naming 169.254.169.254/32 in eventOrchestration.actions.http.allowedCidrs',
      ),
    );
    expect(broad.checkAddress('fd00:ec2::254', 'x.example.test')).toEqual(
      refusal(
        'http:request refused fd00:ec2::254 (cloud metadata address) for x.example.test; allow it by naming fd00:ec2::254/128 in eventOrchestration.actions.http.allowedCidrs',
      ),
    );
    const named = new OutboundPolicy({ allowedCidrs: ['169.254.169.254/32'] });
    expect(named.checkUrl('http://[::ffff:169.254.169.254]/')).toEqual(allowed);
    expect(named.checkUrl('http://169.254.169.253/')).toEqual(
      refusal(
        'http:request refused 169.254.169.253 (link-local address); allow it with eventOrchestration.actions.http.allowedCidrs',
      ),
    );
    expect(
      named.checkUrl('http://metadata.google.internal/computeMetadata/v1/'),
    ).toEqual(
      refusal(
        'http:request refused metadata.google.internal (cloud metadata host)',
      ),
    );
  });

  it('matches allowedHosts case-insensitively, without the trailing dot, and *.x only below x', () => {
    const policy = new OutboundPolicy({
      allowedHosts: ['Hooks.Slack.com.', '*.EXAMPLE.com', 'bücher.example'],
    });
    expect(policy.checkUrl('https://hooks.slack.com./x')).toEqual(allowed);
    expect(policy.checkUrl('https://API.example.com/x')).toEqual(allowed);
    expect(policy.checkUrl('https://xn--bcher-kva.example/x')).toEqual(allowed);
    for (const host of [
      'example.com',
      'example.com.evil.io',
      'evilexample.com',
    ]) {
      expect(policy.checkUrl(`https://${host}/x`)).toEqual(
        refusal(
          `http:request refused ${host}: not in eventOrchestration.actions.http.allowedHosts`,
        ),
      );
    }
  });

  it('classifies an IPv4-compatible IPv6 address (::/96) by the IPv4 address in it', () => {
    const policy = new OutboundPolicy();
    for (const [url, reason] of [
      ['http://[::7f00:1]/', '127.0.0.1 (loopback address)'],
      ['http://[::127.0.0.1]/', '127.0.0.1 (loopback address)'],
      ['http://[::a00:1]/', '10.0.0.1 (private address)'],
      ['http://[::a9fe:a9fe]/', '169.254.169.254 (cloud metadata address)'],
    ]) {
      expect(policy.checkUrl(url)).toMatchObject({ allowed: false });
      expect((policy.checkUrl(url) as { reason: string }).reason).toContain(
        reason,
      );
    }
    expect(policy.checkUrl('http://[::5db8:d70e]/')).toEqual(allowed);
  });

  it('refuses schemes other than http and https', () => {
    expect(new OutboundPolicy().checkUrl('file:///etc/passwd')).toEqual(
      refusal('http:request refused file: URLs: only http and https'),
    );
  });

  it('fails at start-up on entries it cannot parse, naming the key and the entry', () => {
    expect(() => new OutboundPolicy({ allowedCidrs: ['10.0.0.0/33'] })).toThrow(
      "eventOrchestration.actions.http.allowedCidrs: '10.0.0.0/33' is not an address or CIDR range",
    );
    expect(
      () => new OutboundPolicy({ allowedHosts: ['https://hooks.slack.com/x'] }),
    ).toThrow(
      "eventOrchestration.actions.http.allowedHosts: 'https://hooks.slack.com/x' is not a host name or *.domain pattern",
    );
  });
});
