# SPDX-License-Identifier: GPL-3.0-or-later
# A bond of two host NICs (`bond-slaves eth3 eth4`): start moves both in and ifenslave's
# ifupdown hook builds bond0 inside the namespace; stop gives the NICs back.
. /usr/local/lib/vmtest/lib.sh

check_members bondtest bond0 bond 192.0.2.10/24 eth3 eth4 -- 'bond-slaves eth3 eth4' 'bond-mode active-backup' 'bond-miimon 100'
