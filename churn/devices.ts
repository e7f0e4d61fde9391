/**
 * Which devices of a capture are disks Site Recovery would replicate. The churn limits are per replicated disk,
 * and the Mobility service replicates whole physical disks, so every byte must be counted once, on its disk:
 *
 * - `_Total` (perfmon) is the sum of the disks: dropped.
 * - `loop*`, `ram*`, `zram*` (files, RAM, compressed swap in RAM), `sr*` and `fd*` (optical, floppy) are no disk
 *   that gets a replica: dropped.
 * - A partition (`sda1`, `vda2`, `nvme0n1p1`, `mmcblk0p1`, `xvda1`) is dropped when its whole disk is in the same
 *   capture: its writes are already in the disk's counters (/proc/diskstats lists both).
 * - Device-mapper (`dm-N`, or `vg-lv` style names with `iostat -N`: LVM, LUKS, multipath) and software RAID
 *   (`mdN`) devices are dropped when at least one whole disk is in the capture: their writes reach the
 *   underlying disks ("slaves"), which carry the same bytes (twice for a RAID 1, which is then the churn of each
 *   replicated disk). Counting both would double the churn. If a capture has only dm-/md devices (a device list given to iostat), they are kept with a warning,
 *   as the only figures there are.
 */

export interface DeviceSelection {
  readonly kept: string[];
  readonly ignored: Array<{ device: string; reason: string }>;
  readonly warnings: string[];
}

const WHOLE_DISK = /^(sd[a-z]+|vd[a-z]+|xvd[a-z]+|hd[a-z]+|nvme\d+n\d+|mmcblk\d+)$/;
const NOT_A_DISK = /^(loop\d+|ram\d+|zram\d+|sr\d+|fd\d+)$/;
const LAYERED = /^(dm-\d+|md\d+)$/;
/** `iostat -N` prints device-mapper devices by their mapping name (`vg0-data`, `centos-root`, `luks-<uuid>`). */
const MAPPER_NAME = /^[A-Za-z0-9_.+]+-[A-Za-z0-9_.+-]+$/;

/** The whole disk a partition name belongs to, if it looks like one. */
export function parentDisk(device: string): string | undefined {
  const nvme = /^((?:nvme\d+n\d+)|(?:mmcblk\d+))p\d+$/.exec(device);
  if (nvme) return nvme[1];
  const classic = /^((?:sd|vd|xvd|hd)[a-z]+)\d+$/.exec(device);
  return classic?.[1];
}

export function selectDevices(devices: ReadonlyArray<string>): DeviceSelection {
  const present = new Set(devices);
  const hasWholeDisk = devices.some((d) => WHOLE_DISK.test(d));
  const kept: string[] = [];
  const ignored: DeviceSelection['ignored'] = [];
  const warnings: string[] = [];
  for (const device of devices) {
    const parent = parentDisk(device);
    if (device === '_Total') ignored.push({ device, reason: 'the sum of the other disks' });
    else if (NOT_A_DISK.test(device)) ignored.push({ device, reason: 'not a disk Site Recovery replicates (loop file, RAM, optical or floppy)' });
    else if (parent && present.has(parent)) ignored.push({ device, reason: `a partition of ${parent}, whose figures already include it` });
    else if (LAYERED.test(device) && hasWholeDisk) ignored.push({ device, reason: 'a device-mapper/RAID device over the disks in this capture: its writes are counted on them' });
    else if (MAPPER_NAME.test(device) && hasWholeDisk) ignored.push({ device, reason: 'a device-mapper name (iostat -N) over the disks in this capture: its writes are counted on them' });
    else kept.push(device);
  }
  const layeredKept = kept.filter((d) => LAYERED.test(d) || MAPPER_NAME.test(d));
  if (layeredKept.length > 0) {
    warnings.push(`only device-mapper/RAID devices (${layeredKept.join(', ')}) were captured: their churn is used as is, but the disks under them (see /sys/block/<dm>/slaves) are what gets replicated; capture the whole disks too`);
  }
  return { kept, ignored, warnings };
}
