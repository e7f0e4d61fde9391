/** The churn table and the device rule, each with a case on both sides of the line. */
import { cacheAccountShare, fitDisk, rowFor, REPLICA_DISK_TYPES, verdictText } from '../../churn/limits';
import { parentDisk, selectDevices } from '../../churn/devices';

const p10 = REPLICA_DISK_TYPES[1]!.rows;

describe('I/O-size rows, conservatively', () => {
  it.each([
    [17, 16], [16, 16], [31.9, 16], [32, 32], [64, 32], [8, 8], [15.99, 8], [4, 8], [null, 8],
  ])('an average write of %p KB uses the %p KB row of Premium P10/P15', (avg, row) => {
    expect(rowFor(p10, avg).ioKB).toBe(row);
  });

  it('fits each type at its limit and exceeds it just above', () => {
    expect(fitDisk(2, 8).fits).toBe('Standard');
    expect(fitDisk(2.01, 8).fits).toBe('Premium P20+'); // P10/P15 at 8 KB is 2 MB/s too
    expect(fitDisk(4, 16).fits).toBe('Premium P10/P15');
    expect(fitDisk(4.01, 17).fits).toBe('Premium P20+');
    expect(fitDisk(8, 32).fits).toBe('Premium P10/P15');
    expect(fitDisk(20, 16).fits).toBe('Premium P20+');
    expect(fitDisk(20.01, 64)).toMatchObject({ fits: null });
    expect(fitDisk(5.5, 8)).toMatchObject({ fits: null });
    expect(verdictText(fitDisk(5.5, 8))).toBe('exceeds Standard (2 MB/s), Premium P10/P15 (2 MB/s at 8 KB) and Premium P20+ (5 MB/s at 8 KB); no replica disk type fits');
    expect(verdictText(fitDisk(1, 8))).toBe('fits Standard (2 MB/s)');
  });

  it('a v2 cache account: 1,500 disks at 4 MB/s or 750 at 8 MB/s', () => {
    expect(1500 * cacheAccountShare(4)).toBeCloseTo(1, 9);
    expect(750 * cacheAccountShare(8)).toBeCloseTo(1, 9);
    expect(1500 * cacheAccountShare(0.1)).toBeCloseTo(1, 9); // quiet disks still take a slot
  });
});

describe('device filtering', () => {
  it('drops loop/ram/zram/optical, partitions of present disks, dm-/md over present disks and _Total', () => {
    const s = selectDevices(['sda', 'sda1', 'sda2', 'nvme0n1', 'nvme0n1p1', 'dm-0', 'md0', 'loop3', 'ram0', 'zram0', 'sr0', '_Total', 'sdb1']);
    expect(s.kept).toEqual(['sda', 'nvme0n1', 'sdb1']); // sdb1 stays: its disk is not in the capture
    expect(s.ignored.map((i) => i.device)).toEqual(['sda1', 'sda2', 'nvme0n1p1', 'dm-0', 'md0', 'loop3', 'ram0', 'zram0', 'sr0', '_Total']);
    expect(s.warnings).toEqual([]);
  });
  it('drops iostat -N mapping names (vg-lv) over present disks', () => {
    const s = selectDevices(['sda', 'centos-root', 'vg_data-lv_mysql']);
    expect(s.kept).toEqual(['sda']);
    expect(s.ignored.map((i) => i.reason)).toEqual([expect.stringMatching(/device-mapper name \(iostat -N\)/), expect.stringMatching(/device-mapper name/)]);
  });
  it('keeps dm- devices with a warning when no whole disk was captured', () => {
    const s = selectDevices(['dm-0', 'dm-1']);
    expect(s.kept).toEqual(['dm-0', 'dm-1']);
    expect(s.warnings[0]).toMatch(/only device-mapper\/RAID devices \(dm-0, dm-1\).*slaves/);
  });
  it.each([['sda1', 'sda'], ['xvdb3', 'xvdb'], ['nvme1n1p2', 'nvme1n1'], ['mmcblk0p1', 'mmcblk0'], ['sda', undefined], ['dm-1', undefined]])('partition %s belongs to %s', (dev, parent) => {
    expect(parentDisk(dev)).toBe(parent);
  });
});
