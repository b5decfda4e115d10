set terminal pngcairo noenhanced size 960,540 font ',10'
set output '../interleave-even.png'
set title "interleave: evenness of the managed memory over the 2 CPU nodes (median run per system; dotted: within 10% of even)\nkernel 6.12.117+deb12-amd64 (6.12), topology 2n, qemu TCG"
set xlabel 'seconds since the system was switched on'
set ylabel 'evenness (1 = even over the CPU nodes, 0 = all on one node)'
set yrange [0:1.05]
set xrange [0:*]
set grid
set key bottom right
set arrow from graph 0, first 0.900 to graph 1, first 0.900 nohead dt 3 lc rgb '#aaaaaa'
plot 'interleave-none-even.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#808080' title 'none (rep 2)', 'interleave-autonuma-even.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#1f77b4' title 'AutoNUMA (rep 3)', 'interleave-autonuma-tuned-even.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#17becf' title 'AutoNUMA tuned (rep 3)', 'interleave-numad-even.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#ff7f0e' title 'numad (rep 2)', 'interleave-numab-even.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#2ca02c' title 'numab (rep 2)', 'interleave-numab-unlimited-even.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#98df8a' title 'numab unlimited (rep 3)'
