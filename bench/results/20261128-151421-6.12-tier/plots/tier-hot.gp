set terminal pngcairo noenhanced size 960,540 font ',10'
set output '../tier-hot.png'
set title "tier: hot part on the fast nodes (solid; dotted: 90%) and cold part left on the slow node (dashed), median run per system\nkernel 6.12.117+deb12-amd64 (6.12), topology tier, qemu TCG"
set xlabel 'seconds since the system was switched on'
set ylabel 'share of the hot part on the fast (CPU) nodes'
set yrange [0:1.05]
set xrange [0:*]
set grid
set key below
set arrow from graph 0, first 0.900 to graph 1, first 0.900 nohead dt 3 lc rgb '#aaaaaa'
plot 'tier-none-hot.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#808080' title 'none (rep 2)', 'tier-none-hot.dat' using 1:3 with lines lw 1.5 dt 2 lc rgb '#808080' title 'none: cold part still on the slow node', 'tier-autonuma-hot.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#1f77b4' title 'AutoNUMA (rep 1)', 'tier-autonuma-hot.dat' using 1:3 with lines lw 1.5 dt 2 lc rgb '#1f77b4' title 'AutoNUMA: cold part still on the slow node', 'tier-autonuma-tuned-hot.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#17becf' title 'AutoNUMA tuned (rep 2)', 'tier-autonuma-tuned-hot.dat' using 1:3 with lines lw 1.5 dt 2 lc rgb '#17becf' title 'AutoNUMA tuned: cold part still on the slow node', 'tier-numab-hot.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#2ca02c' title 'numab (rep 3)', 'tier-numab-hot.dat' using 1:3 with lines lw 1.5 dt 2 lc rgb '#2ca02c' title 'numab: cold part still on the slow node', 'tier-numab-unlimited-hot.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#98df8a' title 'numab unlimited (rep 3)', 'tier-numab-unlimited-hot.dat' using 1:3 with lines lw 1.5 dt 2 lc rgb '#98df8a' title 'numab unlimited: cold part still on the slow node'
