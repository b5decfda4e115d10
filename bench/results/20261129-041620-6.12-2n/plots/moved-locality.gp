set terminal pngcairo noenhanced size 960,540 font ',10'
set output '../moved-locality.png'
set title "moved: ground-truth locality of the managed workloads (median run per system)\nkernel 6.12.117+deb12-amd64 (6.12), topology 2n, qemu TCG"
set xlabel 'seconds since the system was switched on'
set ylabel 'locality (share of accesses that are local)'
set yrange [0:1.05]
set xrange [0:*]
set grid
set key bottom right
set arrow from graph 0, first 0.95 to graph 1, first 0.95 nohead dt 2 lc rgb '#aaaaaa'
plot 'moved-none-locality.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#808080' title 'none (rep 2)', 'moved-autonuma-locality.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#1f77b4' title 'AutoNUMA (rep 3)', 'moved-autonuma-tuned-locality.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#17becf' title 'AutoNUMA tuned (rep 2)', 'moved-numad-locality.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#ff7f0e' title 'numad (rep 3)', 'moved-numab-locality.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#2ca02c' title 'numab (rep 2)', 'moved-numab-unlimited-locality.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#98df8a' title 'numab unlimited (rep 3)'
